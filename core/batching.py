"""One way to cut work into batches, for every batched read and write.

`KEYS_PER_LOOKUP` bounds the keys of one `IN (...)` lookup: well under every engine's
parameter limit (SQLite allows 32,766 host parameters, PostgreSQL 65,535).
`KEYS_PER_JOINED_LOOKUP` bounds one lookup whose joins the database cannot do by an index
(SQLite then builds an automatic index per statement, so fewer statements cost less):
still under SQLite's 32,766 host parameters.
`ROWS_PER_WRITE` bounds the parameter sets of one `executemany`: large enough that the
driver's per-call cost vanishes, small enough that one batch's rows stay a few MB.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TypeVar

__all__ = ["KEYS_PER_JOINED_LOOKUP", "KEYS_PER_LOOKUP", "ROWS_PER_WRITE", "chunks"]

T = TypeVar("T")

KEYS_PER_LOOKUP = 500
KEYS_PER_JOINED_LOOKUP = 30000
ROWS_PER_WRITE = 2000


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most `size` items; the last may be shorter, none is empty."""
    if size < 1:
        raise ValueError(f"batch size must be at least 1, not {size}")
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
