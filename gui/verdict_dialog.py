"""The dry run's verdict (and the commit confirmation): one line first, then the groups.

The verdict is computed in `core.verdict`; this dialog only shows it. A row jumps to
its (first) vector; Export writes the plan report the CLI writes (HTML, CSV, JSON).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.verdict import Verdict

_EXPORT_FILTER = "HTML report (*.html);;CSV (*.csv);;Plan JSON (*.json)"


class VerdictDialog(QDialog):
    """`ask` turns it into the commit confirmation, with Commit as the default button."""

    jump_requested = Signal(object)  # (resource, uuid)
    reload_requested = Signal()

    def __init__(
        self,
        verdict: Verdict,
        export: Callable[[str], None],
        title: str = "Dry run",
        ask: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("verdict_dialog")
        self.setWindowTitle(title)
        self.resize(720, 460)
        self.verdict = verdict
        self._export = export
        layout = QVBoxLayout(self)
        self.headline = _headline(verdict)
        layout.addWidget(self.headline)
        advice = verdict.failure.advice if verdict.failure else ""
        if not verdict.succeeds and not advice:
            advice = "Nothing was written."
        target = f"Target: <code>{verdict.target}</code>"
        where = QLabel(target + (f"<br>{advice}" if advice else ""))
        where.setObjectName("verdict_target")
        where.setWordWrap(True)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.table = self._table(verdict)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._buttons(ask, verdict))

    def _table(self, verdict: Verdict) -> QTableWidget:
        table = QTableWidget(len(verdict.rows), 3)
        table.setObjectName("verdict_rows")
        table.setHorizontalHeaderLabels(["Count", "Outcome", "Reason (double-click: go there)"])
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(22)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for row, group in enumerate(verdict.rows):
            count = QTableWidgetItem(str(group.count))
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 0, count)
            table.setItem(row, 1, QTableWidgetItem(group.outcome))
            reason = QTableWidgetItem(group.reason)
            reason.setToolTip("\n".join(" ".join(v) for v in group.vectors[:20]))
            table.setItem(row, 2, reason)
        table.resizeColumnToContents(0)
        table.resizeColumnToContents(1)
        table.cellActivated.connect(self.jump)
        table.cellDoubleClicked.connect(self.jump)
        return table

    def _buttons(self, ask: str | None, verdict: Verdict) -> QDialogButtonBox:
        buttons = QDialogButtonBox()
        export = QPushButton("Export…")
        export.clicked.connect(lambda: self.export())
        copy = QPushButton("Copy")
        copy.clicked.connect(self.copy)
        for button in (export, copy):
            button.setAutoDefault(False)
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        if verdict.failure is not None and verdict.failure.sentence.startswith("THIS has changed"):
            reload = QPushButton("Reload, keeping my decisions")
            reload.setAutoDefault(False)
            reload.clicked.connect(self.reload_requested)
            reload.clicked.connect(self.reject)
            buttons.addButton(reload, QDialogButtonBox.ButtonRole.ActionRole)
        if ask and verdict.succeeds:
            buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
            self.commit_button = buttons.addButton(ask, QDialogButtonBox.ButtonRole.AcceptRole)
            self.commit_button.setDefault(True)

        else:
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        return buttons

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        button = getattr(self, "commit_button", None)
        if button is not None:
            self.activateWindow()
            button.setFocus()  # Enter commits, Esc cancels

    # ----- actions
    def jump(self, row: int, _column: int = 0) -> None:
        vectors = self.verdict.rows[row].vectors
        if vectors:
            self.jump_requested.emit(vectors[0])

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.verdict.text())

    def export(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export", "plan.html", _EXPORT_FILTER)
        if not path:
            return False
        self._export(path)
        return True


def _headline(verdict: Verdict) -> QLabel:
    colour = "#1f7a3a" if verdict.succeeds else "#b3261e"
    label = QLabel(f"<b style='color:{colour}; font-size:13pt'>{verdict.headline}</b>")
    label.setObjectName("verdict_headline")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label
