"""The field grid marks where two text values differ, word by word, in the THIS and OTHER
cells (the same spans as core.textdiff), and only for differing text fields."""

from __future__ import annotations

import re

from test_gui_flow import CONFLICT, field_row, select_vector

from core.textdiff import diff_text
from gui.diff_delegate import DiffDelegate, marked_html
from gui.field_model import OTHER, THIS
from gui.main_window import MainWindow


def _marked(html: str) -> list[str]:
    return re.findall(r"<span style='background-color:[^']+'>([^<]*)</span>", html)


def test_marked_html_wraps_exactly_the_diff_spans() -> None:
    this, other = "12 Main Street, Springfield", "12 Main Road, Springfield <b>"
    diff = diff_text(this, other)
    html = marked_html(other, diff.other, "#b7ebc2")
    assert _marked(html) == [
        other[s.start : s.stop].replace("<", "&lt;").replace(">", "&gt;") for s in diff.other
    ]
    assert "<b>" not in html  # the value is text, never markup


def test_grid_cells_of_a_differing_text_field_are_marked(qtbot, window: MainWindow) -> None:
    vector = select_vector(window, CONFLICT)
    view = window.fields.view
    this_marks = view.itemDelegateForColumn(THIS)
    other_marks = view.itemDelegateForColumn(OTHER)
    assert isinstance(this_marks, DiffDelegate) and isinstance(other_marks, DiffDelegate)
    model = window.fields.model
    row = field_row(window, "last_name")
    this, other = vector.this_values["last_name"], vector.other_values["last_name"]
    diff = diff_text(this, other)
    this_html = this_marks.html(model.index(row, THIS))
    other_html = other_marks.html(model.index(row, OTHER))
    assert this_html is not None and other_html is not None
    assert _marked(this_html) == [this[s.start : s.stop] for s in diff.this]
    assert _marked(other_html) == [other[s.start : s.stop] for s in diff.other]
    same = field_row(window, "first_name")
    reference = field_row(window, "organisation_id")
    assert this_marks.html(model.index(same, THIS)) is None
    assert this_marks.html(model.index(reference, THIS)) is None
    window.resize(1280, 800)
    assert not view.grab().isNull()  # paints with the marks without raising
