"""Looks: icons from resources/icons, action colours, light/dark palettes.

Brushes and icons are built once per theme and handed to the models, so `data()` never
allocates them (STYLE: big tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources as package_files
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from core.vocabulary import Action

# Package data (resources/icons), found where Truce is installed, not beside a checkout.
ICONS = Path(str(package_files.files("resources") / "icons"))

_ACTION_COLOURS_LIGHT = {
    Action.CREATE: "#1f7a3a",
    Action.UPDATE: "#2459a8",
    Action.DELETE: "#b3261e",
    Action.UNCHANGED: "#6b7079",
    Action.SKIP: "#a5660a",
    Action.ERROR: "#b3261e",
}
_ACTION_COLOURS_DARK = {
    Action.CREATE: "#6fcf8a",
    Action.UPDATE: "#7aa9f0",
    Action.DELETE: "#f08a80",
    Action.UNCHANGED: "#9aa0aa",
    Action.SKIP: "#f0b35a",
    Action.ERROR: "#f08a80",
}


# Secondary text by theme (dark?): ≥ 4.5:1 against the window and base colours.
SECONDARY_TEXT = {False: "#5c6370", True: "#a8aeb8"}


def icon(name: str) -> QIcon:
    return QIcon(str(ICONS / f"{name}.svg"))


def is_dark(app: QGuiApplication | None = None) -> bool:
    app = app or QGuiApplication.instance()
    if app is None:
        return False
    scheme = app.styleHints().colorScheme()
    if scheme == Qt.ColorScheme.Dark:
        return True
    if scheme == Qt.ColorScheme.Light:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


@dataclass(frozen=True)
class Theme:
    """Everything the models paint with, built once."""

    dark: bool
    action_icons: dict[Action, QIcon]
    action_brushes: dict[Action, QBrush]
    differ: QBrush  # background of a cell whose values differ
    winner: QBrush  # background of the winning side's cell
    blocked: QBrush  # foreground of a blocked reference
    muted: QBrush  # secondary text: ∅, key hints (WCAG AA on the palette's base)
    conflict_icon: QIcon
    blocked_icon: QIcon
    winner_icon: QIcon
    tie_icon: QIcon
    bold: QFont

    @classmethod
    def build(cls, dark: bool) -> Theme:
        colours = _ACTION_COLOURS_DARK if dark else _ACTION_COLOURS_LIGHT
        bold = QFont()
        bold.setBold(True)
        return cls(
            dark=dark,
            action_icons={a: icon(a.value) for a in Action},
            action_brushes={a: QBrush(QColor(c)) for a, c in colours.items()},
            differ=QBrush(QColor("#4a3f1c" if dark else "#fff4cc")),
            winner=QBrush(QColor("#1d4029" if dark else "#dff3e4")),
            blocked=QBrush(QColor("#ff8a80" if dark else "#c62828")),
            muted=QBrush(QColor(SECONDARY_TEXT[dark])),
            conflict_icon=icon("conflict"),
            blocked_icon=icon("blocked"),
            winner_icon=icon("winner"),
            tie_icon=icon("tie"),
            bold=bold,
        )


def dark_palette() -> QPalette:
    p = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#202326",
        QPalette.ColorRole.WindowText: "#e6e6e6",
        QPalette.ColorRole.Base: "#17191c",
        QPalette.ColorRole.AlternateBase: "#1f2226",
        QPalette.ColorRole.Text: "#e6e6e6",
        QPalette.ColorRole.Button: "#2a2e33",
        QPalette.ColorRole.ButtonText: "#e6e6e6",
        QPalette.ColorRole.Highlight: "#2f6fd0",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#2a2e33",
        QPalette.ColorRole.ToolTipText: "#e6e6e6",
        QPalette.ColorRole.PlaceholderText: SECONDARY_TEXT[True],
        QPalette.ColorRole.Link: "#7aa9f0",
    }
    for role, colour in roles.items():
        p.setColor(role, QColor(colour))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b7079"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7079"))
    return p


def apply_theme(app: QApplication) -> Theme:
    """Fusion style with a palette that follows the system's light/dark preference."""
    app.setStyle("Fusion")
    dark = is_dark(app)
    if dark:
        app.setPalette(dark_palette())
    app.setWindowIcon(icon("truce"))
    return Theme.build(dark)
