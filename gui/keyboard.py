"""The merge-tool loop by keyboard: F8/F7 to the next unresolved conflict, T/O/N to decide.

- T / O / N decide the current field(s) wherever focus is in the window: they are window
  shortcuts, so the vector list's type-ahead never sees them, and in the search box they
  decide too (Shift+letter types the letter there; the search ignores case).
- Esc in the search box goes back to the field grid.
- F8 / F7 land on the first *unresolved* differing field (core/unresolved.py) of the next
  or previous vector that still has one, with the field grid focused; decided vectors
  are skipped. When none is left, they step through the remaining conflicts.
- "Only differing fields" hides the identical rows of the grid (remembered).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView

from core.unresolved import undecided_fields
from core.vectors import Vector
from core.vocabulary import Resolution

if TYPE_CHECKING:
    from gui.main_window import MainWindow

DECISION_KEYS = {
    Qt.Key.Key_T: Resolution.THIS,
    Qt.Key.Key_O: Resolution.OTHER,
    Qt.Key.Key_N: Resolution.NEWER,
}
ONLY_DIFFERING_KEY = "view/only_differing"


class KeyboardLoop(QObject):
    """Installs the decision keys on one window and moves its cursor between conflicts."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        # Strings, not Python bools: PySide6's QSettings.value() with a bool default
        # mis-counts references to False (a crash when the interpreter exits).
        self.only_differing = _setting_true(window.settings.value(ONLY_DIFFERING_KEY, "false"))
        for key, resolution in DECISION_KEYS.items():
            shortcut = QShortcut(QKeySequence(key), window)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda r=resolution: self.decide(r))
        window.vectors.search.installEventFilter(self)
        window.fields.model.modelReset.connect(self.hide_identical)

    # ----- deciding
    def decide(self, resolution: Resolution) -> None:
        fields = self.window.fields
        if fields.view.state() == QAbstractItemView.State.EditingState:
            return  # the resolution editor is open: its own keys apply
        fields.request_selected(resolution)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """In the search box: plain T/O/N decide instead of typing; Esc leaves it."""
        if watched is not self.window.vectors.search:
            return False
        if event.type() not in (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress):
            return False
        assert isinstance(event, QKeyEvent)
        plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        shifted = event.modifiers() == Qt.KeyboardModifier.ShiftModifier
        override = event.type() == QEvent.Type.ShortcutOverride
        if shifted and override and event.key() in DECISION_KEYS:
            event.accept()  # the line edit types the letter; the shortcut stays out
            return True
        if plain and event.key() in DECISION_KEYS:
            # Kept from the line edit and not accepted: the window's shortcut gets the key.
            event.ignore()
            return True
        if plain and event.key() == Qt.Key.Key_Escape and event.type() == QEvent.Type.KeyPress:
            self.window.fields.view.setFocus()
            return True
        return False

    # ----- moving
    def step(self, step: int, focus: bool = True) -> bool:
        """Select the next (+1) or previous (-1) vector with an unresolved conflict."""
        window = self.window
        if window.plan is None:
            return False
        if window.vectors.step_unresolved(step):
            self.land(focus)
            return True
        moved = window.vectors.step_conflict(step)
        window.show_message("No unresolved conflict left: stepping through the conflicts.")
        self.land(focus)
        return moved

    def land(self, focus: bool = True) -> None:
        """Put the field cursor on the vector's first unresolved (else differing) field."""
        fields = self.window.fields
        vector = fields.model.vector
        name = _first_open_field(fields.model, vector) if vector is not None else None
        if name is not None:
            fields.select_field(name)
        if focus:
            fields.view.setFocus()

    def advance(self) -> None:
        """After a decision: the next unresolved field of this vector, else the next vector."""
        vector = self.window.fields.model.vector
        focus = not self.window.vectors.search.hasFocus()  # typing a search stays possible
        if vector is not None and undecided_fields(vector):
            self.land(focus)
        else:
            self.step(+1, focus)

    # ----- only differing fields
    def set_only_differing(self, on: bool) -> None:
        self.only_differing = on
        self.window.settings.setValue(ONLY_DIFFERING_KEY, "true" if on else "false")
        self.hide_identical()

    def hide_identical(self) -> None:
        fields = self.window.fields
        model = fields.model
        for row in range(model.rowCount()):
            fields.view.setRowHidden(row, self.only_differing and not model.outcome(row).differs)


def _first_open_field(model: object, vector: Vector) -> str | None:
    open_names = set(undecided_fields(vector))
    names = [model.name(r) for r in range(model.rowCount())]  # type: ignore[attr-defined]
    for name in names:
        if name in open_names:
            return name
    differing = [model.name(r) for r in model.conflict_rows()]  # type: ignore[attr-defined]
    return differing[0] if differing else None


def _setting_true(value: object) -> bool:
    return str(value).lower() == "true"
