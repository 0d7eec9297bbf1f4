"""Dry run and commit, in the background: the verdict, a confirmation naming the target and
the counts, then the commit.

The verdict (core/verdict.py) leads with one sentence that is true in every failure
case: read-only, locked, missing, changed since loading, refused by the database. A
refused commit writes nothing; a changed THIS offers a reload that keeps the decisions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QDialog

from core.commit import CommitReport
from core.explanations import explain
from core.progress import Progress
from core.reports import write_report
from core.staleness import StaleError
from core.verdict import Verdict, counts_phrase, dry_run_verdict
from gui.dialogs import ReportDialog, report_text, show_error
from gui.session import Loaded, committer
from gui.tasks import TaskRunner
from gui.verdict_dialog import VerdictDialog

if TYPE_CHECKING:
    from gui.main_window import MainWindow

log = logging.getLogger("truce.gui")

PREVIEW_ONLY = (
    "This is a preview-only session (--preview-only): THIS is opened "
    "read-only and commit is unavailable. Dry run still shows what a commit "
    "would write."
)


def verdict_work(loaded: Loaded) -> Callable[[Progress], Verdict]:
    def work(progress: Progress) -> Verdict:
        return dry_run_verdict(loaded.plan, loaded.pair.this, progress)

    return work


class CommitFlow(QObject):
    """Runs dry runs and commits for one window; one at a time."""

    dry_run_done = Signal(object)  # Verdict
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
        self.dialog: QDialog | None = None
        self.last_verdict: Verdict | None = None

    def _start(self, mode: str, work: Callable[[Progress], object]) -> bool:
        if self.window.session.loaded is None or self.runner.running or self.window.loads.running:
            return False
        self.window.plan_steps.finish()  # the plan as every decision made it
        self.mode = mode
        self.window.show_message("Committing…" if mode == "commit" else "Dry run…")
        self.runner.start(work)
        return True

    def dry_run(self) -> bool:
        loaded = self.window.session.loaded
        return loaded is not None and self._start("dry", verdict_work(loaded))

    def commit(self) -> bool:
        """Dry-run first, then ask with that verdict; the real commit follows a yes."""
        if self.window.session.preview_only:
            self.dialog = show_error(self.window, "Preview only", PREVIEW_ONLY)
            self.refused.emit(PREVIEW_ONLY)
            return False
        loaded = self.window.session.loaded
        return loaded is not None and self._start("confirm", verdict_work(loaded))

    def confirmed(self) -> bool:
        loaded = self.window.session.loaded
        return loaded is not None and self._start("commit", committer(loaded, dry_run=False))

    # ----- outcomes
    def _finished(self, result: object) -> None:
        if isinstance(result, Verdict):
            self.last_verdict = result
            if self.mode == "dry":
                self.window.show_message(f"Dry run: {result.headline} Nothing was written.")
                self._show(self._verdict_dialog(result, "Dry run"))
                self.dry_run_done.emit(result)
            else:
                self._ask(result)
            return
        assert isinstance(result, CommitReport)
        self.window.show_message("Committed.")
        self._show(
            ReportDialog(
                "Committed", "The commit succeeded.", report_text(result), parent=self.window
            )
        )
        self.window.undo_stack.setClean()
        self.window.autosave.discard()
        self.committed.emit(result)
        self.window.reload(keep=False)

    def _ask(self, verdict: Verdict) -> None:
        if not verdict.succeeds:
            self.window.show_message(verdict.headline)
            self._show(self._verdict_dialog(verdict, "Commit refused"))
            self.refused.emit(verdict.headline)
            return
        if not verdict.writes:
            self.window.show_message("Nothing to write: every vector is unchanged or skipped.")
            self.refused.emit("nothing to write")
            return
        self.window.show_message(f"{verdict.headline} Waiting for your confirmation.")
        dialog = self._verdict_dialog(verdict, "Commit to THIS?", ask="Commit")
        dialog.headline.setText(
            f"<b>Commit {counts_phrase(verdict.counts)} to THIS, in one transaction?</b>"
        )
        dialog.accepted.connect(self.confirmed)
        self._show(dialog)

    def _verdict_dialog(
        self, verdict: Verdict, title: str, ask: str | None = None
    ) -> VerdictDialog:
        plan = self.window.plan
        dialog = VerdictDialog(
            verdict,
            lambda path: write_report(plan, path) if plan is not None else None,
            title=title,
            ask=ask,
            parent=self.window,
        )
        dialog.jump_requested.connect(self.window.go_to)
        dialog.reload_requested.connect(lambda: self.window.reload(keep=True))
        return dialog

    def _failed(self, error: object, details: str) -> None:
        assert isinstance(error, BaseException)
        explained = explain(error)
        log.error("%s failed: %s\n%s", self.mode or "commit", error, details)
        self.window.show_message(f"{explained.sentence}. Nothing was written.")
        retry = self.confirmed if explained.retry and self.mode == "commit" else None
        reload = (lambda: self.window.reload(keep=True)) if isinstance(error, StaleError) else None
        self.dialog = show_error(
            self.window,
            _failure_title(self.mode, error),
            explained.sentence + ". Nothing was written.",
            explained.details or details,
            advice=explained.advice,
            retry=retry or reload,
            retry_text="Reload, keeping my decisions" if reload else "Retry",
        )
        self.refused.emit(explained.sentence)

    def _show(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.open()


def _failure_title(mode: str, error: BaseException) -> str:
    if mode != "commit":
        return "Dry run failed"
    return "Commit refused" if isinstance(error, StaleError) else "Commit failed"
