"""Where two text values differ: ranges to highlight on each side, as a merge tool shows them.

The diff runs on tokens (words, runs of spaces, single punctuation marks), so a changed word is
marked whole and a long value with one typo is not painted end to end; when the two values
share no token at all, it falls back to characters. Ranges are character offsets into each
string, so a view can mark them without re-tokenising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True, slots=True)
class Span:
    """Characters [start, stop) of one side that the other side does not have."""

    start: int
    stop: int
    tag: str  # difflib's opcode: "replace", "delete" (THIS only) or "insert" (OTHER only)


@dataclass(frozen=True, slots=True)
class TextDiff:
    this: tuple[Span, ...]
    other: tuple[Span, ...]

    @property
    def identical(self) -> bool:
        return not self.this and not self.other


def tokens(text: str) -> list[str]:
    """Words, whitespace runs and single other characters; joined they give `text` back."""
    return _TOKEN.findall(text)


def diff_text(this: str, other: str) -> TextDiff:
    """The spans of `this` and `other` that differ, from difflib's opcodes over tokens."""
    a, b = tokens(this), tokens(other)
    if not set(a) & set(b):
        a, b = list(this), list(other)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    a_offsets, b_offsets = _offsets(a), _offsets(b)
    this_spans: list[Span] = []
    other_spans: list[Span] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i2 > i1:
            this_spans.append(Span(a_offsets[i1], a_offsets[i2], tag))
        if j2 > j1:
            other_spans.append(Span(b_offsets[j1], b_offsets[j2], tag))
    return TextDiff(tuple(this_spans), tuple(other_spans))


def _offsets(parts: list[str]) -> list[int]:
    """Character offset of each part, plus the total length at the end."""
    offsets = [0]
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    return offsets
