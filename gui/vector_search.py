"""Substring search over every vector's uuid, label, resource and values.

Each vector's searchable text is one lower-cased string (its values joined by a separator
no search text contains), built in small steps while the window is idle so the UI thread
never stalls; a search is one `in` test per vector, giving a boolean mask over vector
positions. Values never change after loading (overrides only choose between them), so the
texts are built once per plan.
"""

from __future__ import annotations

import numpy as np

from core.plan import Plan
from core.vectors import Vector

_SEPARATOR = "\x00"  # never in a search text: the search box is one line of text
_STEP = 2_000  # vectors per idle step: well under 50 ms even on a busy machine


class SearchText:
    def __init__(self, plan: Plan) -> None:
        self._vectors = plan.vectors
        self._texts: list[str] = []

    @property
    def ready(self) -> bool:
        return len(self._texts) >= len(self._vectors)

    def build_step(self, count: int = _STEP) -> bool:
        """Add the next `count` vectors; True when every vector is in."""
        start = len(self._texts)
        self._texts.extend(_searchable(v) for v in self._vectors[start : start + count])
        return self.ready

    def mask(self, needle: str) -> np.ndarray:
        """Which vectors contain `needle` (already lower-cased) anywhere."""
        self.build_step(len(self._vectors))
        return np.fromiter((needle in text for text in self._texts), bool, len(self._texts))


def _searchable(vector: Vector) -> str:
    pieces = [vector.uuid, vector.label, vector.resource]
    for values in (vector.other_values, vector.this_values):
        pieces.extend(str(value) for value in values.values() if value is not None)
    return _SEPARATOR.join(pieces).replace("\n", " ").lower()
