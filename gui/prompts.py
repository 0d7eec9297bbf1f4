"""The questions that guard the operator's work: none drops a decision by default.

Every prompt that could lose decisions offers Save / Discard / Cancel with Cancel the
default; after a crash the autosaved decisions are offered back; after a reload the
decisions that no longer apply are listed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMessageBox

from core.decisions import DecisionsReport
from gui.decisions import report_text
from gui.dialogs import ReportDialog
from gui.times import local_text

if TYPE_CHECKING:
    from gui.main_window import MainWindow


def confirm_discard(window: MainWindow) -> bool:
    """Unsaved decisions: Save (to a file), Discard, or Cancel (the default)."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        window,
        "Unsaved decisions",
        "You have decisions that are neither committed nor saved.\n\n"
        "Save them to a decisions file, Discard them, or Cancel and keep working?",
        buttons.Save | buttons.Discard | buttons.Cancel,
        buttons.Cancel,
    )
    if answer == buttons.Save:
        return window.actions_.decisions.save_as()
    if answer == buttons.Discard:
        window.autosave.discard()
        return True
    return False


def offer_autosaved(window: MainWindow) -> None:
    """After a crash or a kill: offer the decisions autosaved for this pair."""
    document = window.autosave.saved()
    if document is None or window.plan is None:
        return
    count = len(document["decisions"])
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        window,
        "Restore decisions",
        f"Truce kept {count} decision(s) you made on this pair in a session that did "
        f"not end normally (saved {local_text(document.get('saved_at')) or 'earlier'}).\n\n"
        "Yes restores them (one step to undo); Discard deletes them.",
        buttons.Yes | buttons.Discard,
        buttons.Yes,
    )
    if answer == buttons.Yes:
        window.actions_.decisions.apply_document(document, "autosaved decisions")
    else:
        window.autosave.discard()


def report_carried(window: MainWindow, report: DecisionsReport) -> None:
    """After a reload: how many decisions were kept, and which no longer apply."""
    window.show_message(f"Reloaded; {report.applied} decision(s) kept.")
    if report.stale or report.missing:
        ReportDialog(
            "Reloaded",
            "Reloaded. Some of your decisions no longer apply, because their records "
            "changed or are gone; the others are kept, and Undo still works.",
            report_text(report),
            parent=window,
        ).open()
