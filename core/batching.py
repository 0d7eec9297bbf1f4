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

from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["KEYS_PER_JOINED_LOOKUP", "KEYS_PER_LOOKUP", "ROWS_PER_WRITE", "Prepared", "chunks"]

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


class Prepared:
    """A statement without RETURNING compiled once for a connection's dialect and sent as
    the driver's SQL, each row's values put in the compiled order: SQLAlchemy would build
    every parameter set of an `executemany` itself (a fifth of a large commit). Rows are
    plain dicts by bind name; values go to the driver unprocessed, so the statement's
    columns must be untyped (as `raw_table` makes them) or of types without bind
    processing (integers, text). Errors arrive as SQLAlchemy's, events fire as usual."""

    def __init__(self, conn: sa.Connection, statement: sa.ClauseElement) -> None:
        compiled = cast(SQLCompiler, statement.compile(dialect=conn.dialect))
        self.sql = str(compiled)
        self._order: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None
        )
        self._escaped: dict[str, str] = dict(compiled.escaped_bind_names or {})

    def send(self, conn: sa.Connection, rows: Sequence[dict[str, Any]]) -> None:
        """One `executemany` of `rows` (at most ROWS_PER_WRITE, by the caller's batching)."""
        order, escaped = self._order, self._escaped
        if order is not None:
            params: list[Any] = [tuple([row[name] for name in order]) for row in rows]
        elif escaped:
            params = [{escaped.get(k, k): v for k, v in row.items()} for row in rows]
        else:
            params = list(rows)
        conn.exec_driver_sql(self.sql, params)
