"""Dialogs: opening a source, commit summaries and results, errors with copyable details."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.commit import CommitReport
from core.explanations import explain
from core.mapping import BUILTIN

_LISTED = 50  # not-applied vectors listed in a summary before "… and N more"
FILE_FILTER = (
    "Datasets (*.db *.sqlite *.sqlite3 *.xml *.json *.csv);;"
    "SQLite (*.db *.sqlite *.sqlite3);;S3XML (*.xml);;S3JSON (*.json);;All files (*)"
)


class OpenSourceDialog(QDialog):
    """A file, a CSV folder or a SQLAlchemy URL, and the schema mapping to read it with."""

    def __init__(
        self,
        side: str,
        current: str,
        mapping: str,
        recent: Sequence[str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Open {side}")
        self.setMinimumWidth(560)
        self.location = QComboBox()
        self.location.setEditable(True)
        self.location.addItems(list(recent))
        self.location.setEditText(current)
        self.location.lineEdit().setPlaceholderText(
            "path to .db/.xml/.json, a CSV folder, or postgresql://user@host/db"
        )
        browse = QPushButton("File…")
        browse.clicked.connect(self._browse_file)
        folder = QPushButton("CSV folder…")
        folder.clicked.connect(self._browse_folder)
        folder.setVisible(side == "OTHER")
        row = QHBoxLayout()
        row.addWidget(self.location, 1)
        row.addWidget(browse)
        row.addWidget(folder)
        self.mapping = QComboBox()
        self.mapping.setEditable(True)
        self.mapping.addItems(["auto", *BUILTIN])
        self.mapping.setEditText(mapping)
        mapping_file = QPushButton("Mapping file…")
        mapping_file.clicked.connect(self._browse_mapping)
        mapping_row = QHBoxLayout()
        mapping_row.addWidget(self.mapping, 1)
        mapping_row.addWidget(mapping_file)
        form = QFormLayout()
        form.addRow(f"{side} source", row)
        form.addRow("Schema mapping", mapping_row)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def chosen(self) -> tuple[str, str]:
        return self.location.currentText().strip(), self.mapping.currentText().strip()

    def _browse_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Choose a dataset", "", FILE_FILTER)
        if path:
            self.location.setEditText(path)

    def _browse_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Choose a folder of CSV files")
        if path:
            self.location.setEditText(path)

    def _browse_mapping(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Choose a mapping", "", "Mappings (*.toml);;All files (*)"
        )
        if path:
            self.mapping.setEditText(path)


def report_text(report: CommitReport) -> str:
    """The summary of a dry run or commit, per action and per resource, with problems."""
    verb = "A commit would write" if report.dry_run else "Written"
    lines = [
        f"{verb}: " + ", ".join(f"{report.counts[a]} {a}" for a in ("create", "update", "delete"))
    ]
    lines.append("")
    for resource, counts in sorted(report.per_resource.items()):
        lines.append(f"  {resource}: " + ", ".join(f"{n} {a}" for a, n in sorted(counts.items())))
    if report.not_applied:
        lines.append("")
        lines.append(f"{len(report.not_applied)} vector(s) not applied (skipped or in error):")
        lines += [
            f"  {action}: {resource} {uuid}: {reason}"
            for resource, uuid, action, reason in report.not_applied[:_LISTED]
        ]
        if len(report.not_applied) > _LISTED:
            lines.append(f"  … and {len(report.not_applied) - _LISTED} more")
    if report.problems:
        lines.append("")
        lines.append(f"{len(report.problems)} database error(s):")
        lines += [f"  {p}" for p in report.problems]
    if report.journal_id is not None and not report.dry_run:
        lines.append("")
        lines.append(f"Journal entry {report.journal_id} in THIS.")
    return "\n".join(lines)


class ReportDialog(QDialog):
    """Shows a text summary; with `ask` it is a confirmation (Commit / Cancel)."""

    def __init__(
        self,
        title: str,
        intro: str,
        details: str,
        ask: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("report_dialog")
        self.setWindowTitle(title)
        self.resize(620, 420)
        heading = QLabel(intro)
        heading.setWordWrap(True)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.details, 1)
        if ask:
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
            buttons.addButton(ask, QDialogButtonBox.ButtonRole.AcceptRole)
        else:
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def show_error(
    parent: QWidget | None,
    title: str,
    message: str,
    details: str = "",
    *,
    advice: str = "",
    retry: Callable[[], object] | None = None,
    retry_text: str = "Retry",
) -> QMessageBox:
    """A plain sentence, what to do, and the technical detail (SQL, traceback) only behind
    "Show Details…"; with `retry`, a button that tries again."""
    box = QMessageBox(parent)
    box.setObjectName("error_dialog")
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setText(message)
    if advice:
        box.setInformativeText(advice)
    if details:
        box.setDetailedText(details)
    if retry is not None:
        again = box.addButton(retry_text, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Close)
        box.setDefaultButton(again)
        box.buttonClicked.connect(lambda button: retry() if button is again else None)
    box.open()
    return box


def show_failure(
    parent: QWidget | None,
    title: str,
    error: BaseException,
    details: str = "",
    retry: Callable[[], object] | None = None,
) -> QMessageBox:
    """An exception as `show_error` wants it: plain words first (core/explanations.py)."""
    explained = explain(error)
    return show_error(
        parent,
        title,
        explained.sentence.rstrip(".") + ".",
        explained.details or details,
        advice=explained.advice,
        retry=retry if explained.retry else None,
    )
