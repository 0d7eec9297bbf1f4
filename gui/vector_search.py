"""Substring search over every vector's uuid, label, resource and values.

Each vector's searchable text is one lower-cased string (its values joined by a separator
no search text contains), built in small steps while the window is idle so the UI thread
never stalls. The texts are then joined, one line per vector, into one string: a search
is C-level `re` scanning of that string, and only the matches reach Python (a match
cannot span two lines, as the search box holds one line). Values never change after
loading (overrides only choose between them), so the text is built once per plan.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from core.plan import Plan
from core.vectors import Vector

_SEPARATOR = "\x00"  # never in a search text: the search box is one line of text
_LINE = "\n"  # between vectors: no text holds one (they are replaced), no needle either
_STEP = 2_000  # vectors per idle step: well under 50 ms even on a busy machine


class SearchText:
    def __init__(self, plan: Plan) -> None:
        self._vectors = plan.vectors
        self._texts: list[str] = []
        self._joined = ""
        self._starts = np.zeros(0, np.int64)  # where each vector's line starts

    @property
    def ready(self) -> bool:
        return len(self._texts) >= len(self._vectors)

    def build_step(self, count: int = _STEP) -> bool:
        """Add the next `count` vectors; True when every vector is in."""
        start = len(self._texts)
        self._texts.extend(_searchable(v) for v in self._vectors[start : start + count])
        if self.ready and len(self._starts) != len(self._texts):
            self._join()
        return self.ready

    def mask(self, needle: str) -> np.ndarray:
        """Which vectors contain `needle` (already lower-cased) anywhere."""
        size = len(self._vectors)
        self.build_step(size)
        found = np.zeros(size, bool)
        if not needle or _LINE in needle:
            found[:] = not needle
            return found
        # The rest of the line belongs to the match: at most one match per vector.
        pattern = re.compile(re.escape(needle) + "[^\n]*")
        at = np.fromiter((m.start() for m in pattern.finditer(self._joined)), np.int64)
        found[np.searchsorted(self._starts, at, side="right") - 1] = True
        return found

    def _join(self) -> None:
        lengths = np.fromiter(map(len, self._texts), np.int64, len(self._texts))
        self._starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
        self._joined = _LINE.join(self._texts)


def _searchable(vector: Vector, join: Any = _SEPARATOR.join) -> str:
    # One list display instead of a generator per side: ~20 % of the text's build time.
    other, this = vector.other_values.values(), vector.this_values.values()
    pieces = [
        vector.uuid,
        vector.label,
        vector.resource,
        *[str(value) for value in other if value is not None],
        *[str(value) for value in this if value is not None],
    ]
    return join(pieces).replace("\n", " ").lower()  # type: ignore[no-any-return]
