"""File ▸ Save decisions / Load decisions over the core's decisions file (docs/semantics.md,
Overrides)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMenu

from core.decisions import DecisionsReport, apply_decisions, apply_document, save_decisions
from core.plan import Plan
from gui.commands import LoadDecisions
from gui.dialogs import ReportDialog, show_error

if TYPE_CHECKING:
    from gui.main_window import MainWindow

_FILTER = "Truce decisions (*.json);;All files (*)"


def report_text(report: DecisionsReport) -> str:
    lines = [f"{report.applied} decision(s) applied."]
    if report.stale:
        lines += ["", f"{len(report.stale)} not applied because a record changed:"]
        lines += [f"  {s}" for s in report.stale]
    if report.missing:
        lines += ["", f"{len(report.missing)} not applied because the vector is gone:"]
        lines += [f"  {m}" for m in report.missing]
    return "\n".join(lines)


class DecisionsActions:
    def __init__(self, window: MainWindow, menu: QMenu) -> None:
        self.window = window
        self.save = QAction("&Save decisions…", window)
        self.save.setShortcut("Ctrl+S")
        self.save.triggered.connect(lambda _=False: self.save_as())
        self.load = QAction("&Load decisions…", window)
        self.load.setShortcut("Ctrl+L")
        self.load.triggered.connect(lambda _=False: self.load_from())
        menu.addActions([self.save, self.load])
        window.addActions([self.save, self.load])

    def update_enabled(self, ready: bool) -> None:
        self.save.setEnabled(ready)
        self.load.setEnabled(ready)

    def save_as(self, path: str | None = None) -> bool:
        plan = self.window.settled_plan()
        if plan is None:
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Save decisions", "decisions.json", _FILTER
            )
        if not path:
            return False
        try:
            save_decisions(plan, path)
        except OSError as exc:
            show_error(self.window, "Decisions not saved", f"{path}: {exc.strerror or exc}")
            return False
        self.window.undo_stack.setClean()
        self.window.show_message(f"Decisions saved to {path}.")
        return True

    def load_from(self, path: str | None = None) -> DecisionsReport | None:
        plan = self.window.plan
        if plan is None:
            return None
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self.window, "Load decisions", "", _FILTER)
        if not path:
            return None
        report = self._push(lambda p: apply_decisions(p, path), Path(path).name)
        if report is not None:
            self.window.show_message(f"{report.applied} decision(s) loaded from {path}.")
        return report

    def apply_document(self, document: dict[str, Any], label: str) -> DecisionsReport | None:
        """Decisions already read (the autosave) on the plan, as one undo step."""
        report = self._push(lambda p: apply_document(p, document, label), label)
        if report is not None:
            self.window.show_message(f"{report.applied} {label} restored.")
        return report

    def _push(self, apply: Callable[[Plan], DecisionsReport], label: str) -> DecisionsReport | None:
        plan = self.window.settled_plan()  # the snapshot to undo to is the plan as it is
        context = self.window.plan_context()
        if plan is None or context is None:
            return None
        try:
            command = LoadDecisions(context, apply, label)
        except (OSError, ValueError) as exc:  # DecisionsError is a ValueError
            show_error(
                self.window,
                "Decisions not loaded",
                f"{exc}\n\nNothing was changed. Check that the file is a decisions file "
                "saved by Truce (File ▸ Save decisions).",
            )
            return None
        self.window.undo_stack.push(command)
        report = command.report
        assert isinstance(report, DecisionsReport)
        if report.stale or report.missing:
            ReportDialog(
                "Decisions loaded",
                "Some decisions no longer apply:",
                report_text(report),
                parent=self.window,
            ).open()
        return report
