"""Help ▸ Keys and legend: every key, every icon and colour the window uses, in one place.

The tables here are the single source for the help text: a test checks that each key the
window binds is listed, so the legend cannot drift from the keys.
"""

from __future__ import annotations

from html import escape

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from core.vocabulary import Action
from gui.theme import ICONS, Theme

# (keys, what they do) — in the order a person learns them.
KEYS: tuple[tuple[str, str], ...] = (
    ("F8 / F7", "next / previous unresolved conflict; lands on its first differing field"),
    ("T", "use THIS (the local value) for the selected field(s) or vector(s)"),
    ("O", "use OTHER (the incoming value)"),
    ("N", "use NEWER (the side with the later modified_on; a tie keeps THIS)"),
    ("F2", "type a value of your own in the Result cell"),
    ("Enter", "compare the two full values side by side, differences marked"),
    ("Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y", "undo / redo (either key), one step per action"),
    ("Ctrl+F / Esc", "search by uuid or any value / leave the search box"),
    ("Shift/Ctrl+click", "select several vectors: the list's menu and S act on all"),
    ("S / Shift+S", "skip the selected vectors / give them back to the policy's strategy"),
    ("Ctrl+Shift+D", "show only the fields that differ (remembered)"),
    ("Ctrl+O / Ctrl+Shift+O", "open OTHER / open THIS"),
    ("Ctrl+S / Ctrl+L", "save / load a decisions file"),
    ("F5", "reload both datasets; your decisions are re-applied"),
    ("Ctrl+D", "dry run: what a commit would do, nothing written"),
    ("Ctrl+Enter", "commit, after a confirmation naming the target"),
    ("Ctrl+H", "history: the commits journaled in THIS; revert one"),
    ("F1", "this help"),
)

ACTIONS: tuple[tuple[Action, str], ...] = (
    (Action.CREATE, "the record is new: it will be inserted into THIS"),
    (Action.UPDATE, "at least one field will take OTHER's value"),
    (Action.DELETE, "OTHER deleted the record: THIS's copy will be marked deleted"),
    (Action.UNCHANGED, "nothing will be written (identical, or THIS's values kept)"),
    (Action.SKIP, "not applied: strategy, master skipped or blocked reference (see reason)"),
    (Action.ERROR, "the record cannot be imported; the reason names the field"),
)

# (icon file or None, colour attribute of Theme or None, sample text, meaning)
MARKS: tuple[tuple[str | None, str | None, str, str], ...] = (
    ("conflict", None, "", "conflict: both sides have a value and they differ"),
    ("winner", "winner", "", "the winning side of a differing field (its value is the result)"),
    (None, "differ", "", "the values differ; this side loses"),
    ("tie", None, "", "NEWER could not decide (equal or missing modified_on): THIS kept"),
    ("blocked", "blocked", "", "blocked reference: the target is in neither dataset or skipped"),
    (None, "muted", "∅", "no value (NULL)"),
    (None, None, "edited", "a value typed by you, neither THIS's nor OTHER's"),
)


def legend_html(theme: Theme) -> str:
    """The help page as HTML (icons by file, colours from the theme in use)."""
    parts = ["<h3>Keys</h3><table cellpadding='3'>"]
    parts += [f"<tr><td><b>{escape(k)}</b></td><td>{escape(d)}</td></tr>" for k, d in KEYS]
    parts.append("</table><h3>Actions (vector list)</h3><table cellpadding='3'>")
    for action, meaning in ACTIONS:
        parts.append(
            f"<tr><td>{_icon(action.value)} <b>{action.value}</b></td>"
            f"<td>{escape(meaning)}</td></tr>"
        )
    parts.append("</table><h3>Marks (field grid)</h3><table cellpadding='3'>")
    for icon_name, colour, sample, meaning in MARKS:
        swatch = _swatch(theme, colour, sample)
        icon_html = _icon(icon_name) if icon_name else ""
        parts.append(f"<tr><td>{icon_html}{swatch}</td><td>{escape(meaning)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def _icon(name: str) -> str:
    return f"<img src='{(ICONS / f'{name}.svg').as_uri()}' width='16' height='16'>"


def _swatch(theme: Theme, colour: str | None, sample: str) -> str:
    if colour is None:
        return f"<i>{escape(sample)}</i>" if sample else ""
    brush = getattr(theme, colour)
    name = brush.color().name()
    text = escape(sample) or "&nbsp;&nbsp;&nbsp;&nbsp;"
    if colour in ("blocked", "muted"):
        return f" <span style='color:{name}'><b>{text}</b></span>"
    return f" <span style='background:{name}'>{text}</span>"


class LegendDialog(QDialog):
    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self.setWindowTitle("Keys and legend")
        self.browser = QTextBrowser()
        self.browser.setObjectName("legend_text")
        self.browser.setHtml(legend_html(theme))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(620, 560)
