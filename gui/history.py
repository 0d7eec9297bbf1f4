"""Sync ▸ History: the commits journaled in THIS, and reverting one (like `truce revert`).

Reading the journal and reverting run in the background; a revert asks first, names
what it will restore, and refuses (writing nothing) when records changed since.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from core.journal import Entry
from core.progress import Progress
from core.revert import RevertRefused, RevertReport, journal_entries, revert_commit
from core.sources.sql import SqlDataset
from gui.dialogs import show_error, show_failure
from gui.tasks import TaskRunner
from gui.times import local_text, utc_text

if TYPE_CHECKING:
    from gui.main_window import MainWindow

COLUMNS = ("#", "Committed", "Written", "OTHER", "Policy", "Note")


def counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {action}" for action, n in sorted(counts.items()) if n) or "nothing"


def reading(this: SqlDataset) -> Callable[[Progress], list[Entry]]:
    return lambda _progress: journal_entries(this)


def reverting(this: SqlDataset, journal_id: int) -> Callable[[Progress], RevertReport]:
    return lambda _progress: revert_commit(this, journal_id)


class HistoryDialog(QDialog):
    reverted = Signal(object)  # RevertReport

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("history_dialog")
        self.setWindowTitle("History of THIS")
        self.resize(820, 380)
        self.window_ = window
        self.entries: list[Entry] = []
        self.runner = TaskRunner(self)
        self.runner.finished.connect(self._done)
        self.runner.failed.connect(self._failed)
        self.status = QLabel("Reading the journal…")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("history_rows")
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.revert_button = QPushButton("Revert this commit…")
        self.revert_button.setEnabled(False)
        self.revert_button.clicked.connect(lambda: self.revert())
        self.table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.revert_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.refresh()

    @property
    def this(self) -> SqlDataset | None:
        loaded = self.window_.session.loaded
        return loaded.pair.this if loaded is not None else None

    def refresh(self) -> None:
        if self.this is not None:
            self.runner.start(reading(self.this))

    def _selection_changed(self) -> None:
        self.revert_button.setEnabled(
            not self.window_.session.preview_only and self.selected() is not None
        )

    def selected(self) -> Entry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.entries[rows[0].row()] if rows else None

    def select(self, journal_id: int) -> None:
        for row, entry in enumerate(self.entries):
            if entry.id == journal_id:
                self.table.selectRow(row)

    def revert(self, confirm: bool = True) -> bool:
        entry, this = self.selected(), self.this
        if entry is None or this is None or self.runner.running:
            return False
        question = (
            f"Revert commit {entry.id} of {local_text(entry.committed_at)} "
            f"({counts_text(entry.counts)})?\n\n"
            "Its records get back the values they had before it, in one transaction, "
            "recorded in the journal. If any of them changed since, nothing is written."
        )
        buttons = QMessageBox.StandardButton
        if confirm and (
            QMessageBox.question(
                self, "Revert a commit", question, buttons.Yes | buttons.Cancel, buttons.Cancel
            )
            != buttons.Yes
        ):
            return False
        self.status.setText(f"Reverting commit {entry.id}…")
        self.runner.start(reverting(this, entry.id))
        return True

    def _done(self, result: object) -> None:
        if isinstance(result, RevertReport):
            self.status.setText(
                f"Commit {result.reverted} reverted ({counts_text(dict(result.counts))}); "
                f"journal entry {result.journal_id}."
            )
            self.reverted.emit(result)
            self.refresh()
            return
        assert isinstance(result, list)
        self._fill(result)

    def _fill(self, entries: list[Entry]) -> None:
        self.entries = list(reversed(entries))  # newest first
        self.table.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            cells = (
                str(entry.id),
                local_text(entry.committed_at),
                counts_text(entry.counts),
                entry.other_source,
                entry.policy,
                entry.note or "",
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setToolTip(utc_text(entry.committed_at))
                if column == 0:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self.status.setText(
            f"{len(entries)} commit(s) journaled in THIS. Times are local; hover for UTC."
            if entries
            else "No commit is journaled in THIS yet."
        )

    def _failed(self, error: object, details: str) -> None:
        assert isinstance(error, BaseException)
        if isinstance(error, RevertRefused):
            self.status.setText("Revert refused; nothing was written.")
            show_error(
                self,
                "Revert refused",
                "The revert was refused: records of that commit changed since, so restoring "
                "them would lose those changes. Nothing was written.",
                "\n".join(error.records),
                advice="See Details for the records.",
            )
            return
        self.status.setText("Could not use the journal.")
        show_failure(self, "History", error, details)
