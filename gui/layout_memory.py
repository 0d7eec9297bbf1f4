"""The window's layout between runs: geometry, splitter and column widths (QSettings)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray

if TYPE_CHECKING:
    from gui.main_window import MainWindow

# QSettings keys: geometry, splitter, list columns, field columns.
KEYS = (
    "layout/geometry",
    "layout/splitter",
    "layout/vector_columns",
    "layout/field_columns",
)


def _parts(window: MainWindow) -> tuple[tuple[Callable[[], QByteArray], Callable], ...]:
    vectors = window.vectors.view.horizontalHeader()
    fields = window.fields.view.horizontalHeader()
    return (
        (window.saveGeometry, window.restoreGeometry),
        (window.splitter.saveState, window.splitter.restoreState),
        (vectors.saveState, vectors.restoreState),
        (fields.saveState, fields.restoreState),
    )


def save_layout(window: MainWindow) -> None:
    for key, (save, _) in zip(KEYS, _parts(window), strict=True):
        window.settings.setValue(key, save())
    window.settings.sync()


def restore_layout(window: MainWindow) -> None:
    for key, (_, restore) in zip(KEYS, _parts(window), strict=True):
        state = window.settings.value(key)
        if isinstance(state, QByteArray) and not state.isEmpty():
            restore(state)
