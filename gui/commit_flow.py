"""Dry run and commit, in the background: dry run → confirmation with its summary → commit.

A refused commit (stale THIS, database errors, blocked) explains why; nothing is written.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from core.commit import CommitError, CommitReport, StaleError
from gui.dialogs import ReportDialog, report_text, show_error
from gui.session import committer
from gui.tasks import TaskRunner

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger("truce.gui")

PREVIEW_ONLY = (
    "This is a preview-only session (--preview-only): THIS is opened "
    "read-only and commit is unavailable. Dry run still shows what a commit "
    "would write."
)


class CommitFlow(QObject):
    """Runs dry runs and commits for one window; one at a time."""

    dry_run_done = Signal(object)  # CommitReport
    committed = Signal(object)  # CommitReport
    refused = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.runner = TaskRunner(self, window.worker)  # the window's one database worker
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)
        self.runner.cancelled.connect(lambda: window.show_message("Cancelled; nothing written."))
        self.mode = ""
        self.dialog: ReportDialog | QMessageBox | None = None
        self.last_report: CommitReport | None = None

    def _start(self, mode: str, dry_run: bool) -> bool:
        loaded = self.window.session.loaded
        if loaded is None or self.runner.running or self.window.loads.running:
            return False
        self.mode = mode
        self.window.show_message("Dry run…" if dry_run else "Committing…")
        self.runner.start(committer(loaded, dry_run))
        return True

    def dry_run(self) -> bool:
        return self._start("dry", dry_run=True)

    def commit(self) -> bool:
        """Dry-run first, then ask with that summary; the real commit follows a yes."""
        if self.window.session.preview_only:
            self.dialog = show_error(self.window, "Preview only", PREVIEW_ONLY)
            self.refused.emit(PREVIEW_ONLY)
            return False
        return self._start("confirm", dry_run=True)

    def confirmed(self) -> bool:
        return self._start("commit", dry_run=False)

    # ----- outcomes
    def _finished(self, report: CommitReport) -> None:
        self.last_report = report
        text = report_text(report)
        if self.mode == "dry":
            self.window.show_message("Dry run done; nothing was written.")
            self._show(
                ReportDialog(
                    "Dry run",
                    "Dry run: this is what a commit would do. Nothing was written.",
                    text,
                    parent=self.window,
                )
            )
            self.dry_run_done.emit(report)
        elif self.mode == "confirm":
            self._ask(report, text)
        else:
            self.window.show_message("Committed.")
            self._show(ReportDialog("Committed", "The commit succeeded.", text, parent=self.window))
            self.window.undo_stack.setClean()
            self.committed.emit(report)
            self.window.reload()

    def _ask(self, report: CommitReport, text: str) -> None:
        if report.problems:
            self._refuse(
                "The database would refuse this commit; nothing was written. "
                "Fix or skip the vectors named below.",
                text,
            )
            return
        if not sum(report.counts[a] for a in ("create", "update", "delete")):
            self.window.show_message("Nothing to write: every vector is unchanged or skipped.")
            self.refused.emit("nothing to write")
            return
        dialog = ReportDialog(
            "Commit to THIS?",
            "Commit these changes to THIS in one transaction?",
            text,
            ask="Commit",
            parent=self.window,
        )
        dialog.accepted.connect(self.confirmed)
        self._show(dialog)

    def _failed(self, error: object, details: str) -> None:
        if isinstance(error, StaleError):
            self._refuse(
                "Commit refused: THIS changed since the plan was computed, so "
                "nothing was written. Reload (F5) to see the current data.",
                "\n".join(error.records),
            )
        elif isinstance(error, CommitError):
            self._refuse(
                "Commit refused by the database; nothing was written.",
                "\n".join(str(p) for p in error.problems),
            )
        else:
            log.error("commit failed: %s\n%s", error, details)
            self.window.show_message("The commit failed; nothing was written.")
            self.dialog = show_error(self.window, "Commit failed", str(error), details)
            self.refused.emit(str(error))

    def _refuse(self, intro: str, text: str) -> None:
        self.window.show_message(intro)
        self._show(ReportDialog("Commit refused", intro, text, parent=self.window))
        self.refused.emit(intro)

    def _show(self, dialog: ReportDialog) -> None:
        self.dialog = dialog
        dialog.open()
