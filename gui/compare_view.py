"""Compare one field's two values in full, side by side, with the differences marked.

Opened with Enter or a double-click on a value cell. The person picks THIS, OTHER or asks to
edit a value of their own; the dialog only reports the choice (`choice`), the window turns
it into an undo command like any other decision.
"""

from __future__ import annotations

from enum import StrEnum

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from core.textdiff import Span, diff_text


class Choice(StrEnum):
    THIS = "this"
    OTHER = "other"
    EDIT = "edit"


# Light and dark highlight pairs: removed-from-THIS red-ish, added-in-OTHER green-ish.
_MARKS = {False: ("#ffd7d5", "#c9f2d0"), True: ("#5c2b29", "#1e4d2b")}


class CompareView(QDialog):
    """Both full values of one field, differences highlighted, with the three choices."""

    def __init__(
        self,
        field: str,
        this_text: str,
        other_text: str,
        *,
        dark: bool = False,
        editable: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("compare_view")
        self.setWindowTitle(f"Compare {field}")
        self.choice: Choice | None = None
        diff = diff_text(this_text, other_text)
        this_mark, other_mark = _MARKS[dark]
        self.this_view = _marked_view(this_text, diff.this, this_mark, "compare_this")
        self.other_view = _marked_view(other_text, diff.other, other_mark, "compare_other")
        summary = (
            "identical"
            if diff.identical
            else (f"{len(diff.this)} change(s) in THIS, {len(diff.other)} in OTHER")
        )
        layout = QGridLayout(self)
        layout.addWidget(QLabel(f"<b>{field}</b> — {summary}"), 0, 0, 1, 2)
        layout.addWidget(QLabel("THIS (local)"), 1, 0)
        layout.addWidget(QLabel("OTHER (incoming)"), 1, 1)
        layout.addWidget(self.this_view, 2, 0)
        layout.addWidget(self.other_view, 2, 1)
        layout.addWidget(self._buttons(editable), 3, 0, 1, 2)
        self.resize(760, 360)

    def _buttons(self, editable: bool) -> QDialogButtonBox:
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for choice, text, tip in (
            (Choice.THIS, "Use &THIS", "Keep the local value (T)"),
            (Choice.OTHER, "Use &OTHER", "Take the incoming value (O)"),
            (Choice.EDIT, "&Edit…", "Type a value of your own (F2 on the Result cell)"),
        ):
            button = QPushButton(text)
            button.setObjectName(f"compare_{choice.value}")
            button.setToolTip(tip)
            button.setEnabled(editable)
            button.clicked.connect(lambda _=False, c=choice: self._choose(c))
            box.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        box.rejected.connect(self.reject)
        return box

    def _choose(self, choice: Choice) -> None:
        self.choice = choice
        self.accept()


def _marked_view(text: str, spans: tuple[Span, ...], colour: str, name: str) -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setObjectName(name)
    view.setReadOnly(True)
    view.setPlainText(text)
    mark = QTextCharFormat()
    mark.setBackground(QColor(colour))
    for span in spans:
        cursor = QTextCursor(view.document())
        cursor.setPosition(span.start)
        cursor.setPosition(span.stop, QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(mark)
    return view


def marked_positions(view: QPlainTextEdit) -> set[int]:
    """Offsets of the characters of `view` painted with a background (line breaks are not
    characters of a block, so they never count)."""
    painted: set[int] = set()
    block = view.document().begin()
    while block.isValid():
        for fragment in block.textFormats():
            if fragment.format.hasProperty(QTextFormat.Property.BackgroundBrush):
                start = block.position() + fragment.start
                painted.update(range(start, start + fragment.length))
        block = block.next()
    return painted
