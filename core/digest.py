"""A strong digest of a stored row, for the stale check of a commit.

The row is encoded canonically (`repr` of each value: exact for ints, floats, strings,
bytes, decimals and times; NaN always spells `nan`), then hashed with BLAKE2b. Python's
`hash()` is not enough: `hash(-1) == hash(-2)`, and NaN hashes by object identity, so a
change could go unnoticed or a row holding NaN would look changed on every read.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

__all__ = ["row_digest"]

_AS_IS = (str, int, float, bool, bytes, type(None))
_PLAIN = frozenset(_AS_IS)  # exactly these types (a subclass takes the general path)


def row_digest(values: Iterable[Any]) -> bytes:
    """16 bytes that change whenever any stored value of the row changes."""
    row = tuple(values)
    if not _PLAIN.issuperset(map(type, row)):  # the usual row needs no per-value step
        row = tuple(v if isinstance(v, _AS_IS) else _canonical(v) for v in row)
    text = repr(row)
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _canonical(value: Any) -> Any:
    # JSON from a server arrives as dicts/lists (key order is the server's, not ours);
    # a memoryview's repr holds its address. Each becomes a stable, typed text.
    if isinstance(value, (dict, list)):
        return ("json", json.dumps(value, sort_keys=True, default=str))
    if isinstance(value, (memoryview, bytearray)):
        return bytes(value)
    return (type(value).__name__, repr(value))
