"""The highlighted ranges of a text diff equal difflib's opcodes over the same tokens."""

from __future__ import annotations

from difflib import SequenceMatcher

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.textdiff import Span, diff_text, tokens

PAIRS = [
    ("Ana Lopez", "Ana López"),
    ("12 Main Street, Springfield", "12 Main St., Springfield"),
    ("", "new value"),
    ("old value", ""),
    ("same", "same"),
    ("the quick brown fox", "the slow brown fox jumps"),
    ("abc", "xyz"),
    ("line one\nline two", "line one\nline 2"),
]


def _expected(
    this: str, other: str
) -> tuple[list[tuple[int, int, str]], list[tuple[int, int, str]]]:
    """An independent oracle: difflib over tokens, offsets summed by hand."""
    a, b = tokens(this), tokens(other)
    if not set(a) & set(b):
        a, b = list(this), list(other)
    left, right = [], []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            left.append((len("".join(a[:i1])), len("".join(a[:i2])), tag))
        if j2 > j1:
            right.append((len("".join(b[:j1])), len("".join(b[:j2])), tag))
    return left, right


@pytest.mark.parametrize(("this", "other"), PAIRS)
def test_spans_equal_difflib_opcodes(this: str, other: str) -> None:
    diff = diff_text(this, other)
    left, right = _expected(this, other)
    assert [(s.start, s.stop, s.tag) for s in diff.this] == left
    assert [(s.start, s.stop, s.tag) for s in diff.other] == right


def test_a_changed_word_is_marked_whole() -> None:
    diff = diff_text("12 Main Street", "12 Main Road")
    assert diff.this == (Span(8, 14, "replace"),)
    assert diff.other == (Span(8, 12, "replace"),)
    assert "12 Main Street"[8:14] == "Street"


def test_identical_values_have_no_spans() -> None:
    assert diff_text("same text", "same text").identical
    assert not diff_text("same text", "same text!").identical


def test_values_with_nothing_in_common_diff_by_character() -> None:
    diff = diff_text("colour", "color")
    assert diff.this == (Span(4, 5, "delete"),)
    assert diff.other == ()


@settings(derandomize=True, max_examples=200)
@given(st.text(max_size=40), st.text(max_size=40))
def test_unmarked_characters_are_common_to_both_sides(this: str, other: str) -> None:
    diff = diff_text(this, other)

    def kept(text: str, spans: tuple[Span, ...]) -> str:
        marked = {i for s in spans for i in range(s.start, s.stop)}
        return "".join(c for i, c in enumerate(text) if i not in marked)

    assert kept(this, diff.this) == kept(other, diff.other)
    assert "".join(tokens(this)) == this
