"""The compare view marks exactly the spans the text diff finds, and reports the choice."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QPushButton

from core.textdiff import diff_text
from gui.compare_view import Choice, CompareView, marked_positions

PAIRS = [
    ("12 Main Street, Springfield", "12 Main Road, Springfield"),
    ("first line\nsecond line", "first line\nsecond row\nthird"),
    ("same", "same"),
]


def _positions(text: str, spans) -> set[int]:
    return {i for s in spans for i in range(s.start, s.stop) if text[i] != "\n"}


@pytest.mark.parametrize(("this", "other"), PAIRS)
def test_marks_equal_the_diff(qtbot, this: str, other: str) -> None:
    view = CompareView("addr_street", this, other)
    qtbot.addWidget(view)
    diff = diff_text(this, other)
    assert marked_positions(view.this_view) == _positions(this, diff.this)
    assert marked_positions(view.other_view) == _positions(other, diff.other)
    assert view.this_view.toPlainText() == this
    assert view.other_view.toPlainText() == other


@pytest.mark.parametrize("choice", list(Choice))
def test_buttons_report_the_choice(qtbot, choice: Choice) -> None:
    view = CompareView("name", "a", "b")
    qtbot.addWidget(view)
    button = view.findChild(QPushButton, f"compare_{choice.value}")
    assert button is not None
    with qtbot.waitSignal(view.accepted):
        button.click()
    assert view.choice is choice


def test_read_only_vector_disables_choices(qtbot) -> None:
    view = CompareView("name", "a", "b", editable=False)
    qtbot.addWidget(view)
    buttons = [view.findChild(QPushButton, f"compare_{c.value}") for c in Choice]
    assert all(b is not None and not b.isEnabled() for b in buttons)
