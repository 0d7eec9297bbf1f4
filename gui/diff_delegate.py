"""THIS and OTHER cells of a differing text field, painted with the differing words marked.

A merge tool shows where two values differ, not only that they do. For a field whose two text
values differ, the cell's text is drawn with the spans of `core.textdiff` highlighted; every
other cell is painted as usual. The diff is computed once per shown value pair (cached), so a
repaint costs a lookup and a text layout for the handful of visible rows.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from core.textdiff import Span, diff_text

Index = QModelIndex | QPersistentModelIndex
# Removed-in-THIS and added-in-OTHER marks, light and dark (by theme).
MARKS = {False: ("#ffc9c4", "#b7ebc2"), True: ("#7a302b", "#22613a")}


@lru_cache(maxsize=512)
def _spans(this: str, other: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    diff = diff_text(this, other)
    return diff.this, diff.other


def marked_html(text: str, spans: tuple[Span, ...], colour: str) -> str:
    """`text` as HTML with each span's background set to `colour`."""
    parts, at = [], 0
    for span in spans:
        parts.append(escape(text[at : span.start]))
        marked = escape(text[span.start : span.stop])
        parts.append(f"<span style='background-color:{colour}'>{marked}</span>")
        at = span.stop
    parts.append(escape(text[at:]))
    return "".join(parts).replace("\n", " ")


class DiffDelegate(QStyledItemDelegate):
    """Paints the THIS (`side` 0) or OTHER (`side` 1) column of the field grid."""

    def __init__(self, model: Any, side: int, dark: bool, parent: Any = None) -> None:
        super().__init__(parent)
        self._model = model
        self._side = side
        self._colour = MARKS[dark][side]

    def html(self, index: Index) -> str | None:
        """The marked text for this cell, or None when it is painted as usual."""
        pair = self._model.text_pair(index.row())
        if pair is None:
            return None
        this_spans, other_spans = _spans(*pair)
        spans = other_spans if self._side else this_spans
        return marked_html(pair[self._side], spans, self._colour) if spans else None

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        html = self.html(index)
        if html is None:
            super().paint(painter, option, index)
            return
        view_option = QStyleOptionViewItem(option)
        self.initStyleOption(view_option, index)
        view_option.text = ""  # background, selection and icon as usual; text drawn below
        style = view_option.widget.style() if view_option.widget else None
        if style is None:
            super().paint(painter, option, index)
            return
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, view_option, painter)
        text_rect = style.subElementRect(
            QStyle.SubElement.SE_ItemViewItemText, view_option, view_option.widget
        )
        document = QTextDocument()
        document.setDocumentMargin(0)
        document.setDefaultFont(view_option.font)
        document.setHtml(f"<span style='white-space:pre'>{html}</span>")
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(view_option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, view_option.palette.color(role))
        painter.save()
        top = text_rect.top() + max(0.0, (text_rect.height() - document.size().height()) / 2)
        painter.translate(text_rect.left(), top)
        painter.setClipRect(QRectF(0, 0, text_rect.width(), text_rect.height()))
        document.documentLayout().draw(painter, context)
        painter.restore()
