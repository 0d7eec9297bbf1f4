"""Substring search over every vector's uuid, label, resource and values.

The searchable text of all vectors is one lower-cased string (a vector's values joined by
a separator no search text contains), built in steps so the UI thread never stalls; a
search is `str.find` over it, jumping to the next vector after each hit, and gives a
boolean mask over vector positions. Values never change after loading (overrides only
choose between them), so the text is built once per plan.
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from core.plan import Plan
from core.vectors import Vector

_SEPARATOR = "\x00"  # never in a search text: the search box is one line of text
_STEP = 20_000  # vectors per build step: a few tens of milliseconds


class SearchText:
    def __init__(self, plan: Plan) -> None:
        self._vectors = plan.vectors
        self._parts: list[str] = []
        self._starts: list[int] = []
        self._length = 0
        self._built = 0
        self._text = ""

    @property
    def ready(self) -> bool:
        return self._built >= len(self._vectors)

    def build_step(self, count: int = _STEP) -> bool:
        """Add the next `count` vectors; True when every vector is in."""
        stop = min(self._built + count, len(self._vectors))
        for vector in self._vectors[self._built : stop]:
            text = _searchable(vector)
            self._starts.append(self._length)
            self._parts.append(text)
            self._length += len(text) + 1
        self._built = stop
        if self.ready and self._parts:
            self._text = "\n".join(self._parts) + "\n"
            self._parts = []
        return self.ready

    def mask(self, needle: str) -> np.ndarray:
        """Which vectors contain `needle` (already lower-cased) anywhere."""
        while not self.build_step(len(self._vectors)):
            pass
        found = np.zeros(len(self._vectors), bool)
        text, starts = self._text, self._starts
        at = text.find(needle)
        while at >= 0:
            n = bisect_right(starts, at) - 1
            found[n] = True
            if n + 1 >= len(starts):
                break
            at = text.find(needle, starts[n + 1])
        return found


def _searchable(vector: Vector) -> str:
    pieces = [vector.uuid, vector.label, vector.resource]
    for values in (vector.other_values, vector.this_values):
        pieces.extend(str(value) for value in values.values() if value is not None)
    return _SEPARATOR.join(pieces).replace("\n", " ").lower()
