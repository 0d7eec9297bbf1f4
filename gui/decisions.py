"""File ▸ Save decisions / Load decisions over the core's decisions file (SPEC §6)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu

from gui.dialogs import ReportDialog, show_error

if TYPE_CHECKING:
    from gui.main_window import MainWindow

_FILTER = "Truce decisions (*.json);;All files (*)"


def _core_api() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """The core's save/load functions, when this build has them."""
    for module_name in ("core.decisions", "core.session"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        save = getattr(module, "save_decisions", None)
        load = getattr(module, "load_decisions", None)
        if save is not None and load is not None:
            return save, load
    return None


class DecisionsActions:
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.save = QAction("&Save decisions…", window)
        self.save.setShortcut("Ctrl+S")
        self.save.triggered.connect(lambda _=False: self.save_as())
        self.load = QAction("&Load decisions…", window)
        self.load.triggered.connect(lambda _=False: self.load_from())
        menu.addActions([self.save, self.load])
        window.addActions([self.save, self.load])

    def update_enabled(self, ready: bool) -> None:
        available = _core_api() is not None
        for action in (self.save, self.load):
            action.setEnabled(ready and available)
            action.setToolTip("" if available else "decisions files are not in this build")

    def save_as(self, path: str | None = None) -> bool:
        api, loaded = _core_api(), self.window.session.loaded
        if api is None or loaded is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window, "Save decisions", "", _FILTER)
        if not path:
            return False
        try:
            api[0](loaded.plan, path)
        except (OSError, ValueError) as exc:
            show_error(self.window, "Decisions not saved", str(exc))
            return False
        self.window.undo_stack.setClean()
        self.window.show_message(f"Decisions saved to {path}.")
        return True

    def load_from(self, path: str | None = None) -> bool:
        api, loaded = _core_api(), self.window.session.loaded
        if api is None or loaded is None:
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Load decisions", "", _FILTER)
        if not path:
            return False
        try:
            result = api[1](loaded.plan, path)
        except (OSError, ValueError) as exc:
            show_error(self.window, "Decisions not loaded", str(exc))
            return False
        self.window.undo_stack.clear()
        self.window.plan_changed()
        if result:
            ReportDialog("Decisions loaded", "Some decisions no longer apply:", str(result),
                         parent=self.window).open()
        return True
