"""What the SQLite join must know of each table before it trusts a raw comparison: how
its uuids are spelled, whether any is duplicated, its collations and column affinities.

Each answer is one query in SQLite (or a PRAGMA), cached per table for the join.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from core.compare_sql import affinity, canonical, not_in_form, plain_is, quote, uuid_guard
from core.schema import Column


class TableChecks:
    """The checks of the tables on one connection (THIS is `main`, OTHER attached)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._guards: dict[tuple[str, str, str], bool] = {}
        self._forms: dict[tuple[str, str, str], int | None] = {}

    def form(self, schema: str, table: str, uuid: str) -> int | None:
        """The one spelling every uuid of the table has, or None."""
        key = (schema, table, uuid)
        if key not in self._forms:
            self._forms[key] = next(
                (
                    form
                    for form in range(4)
                    if not self._any(not_in_form(_at(schema, table), uuid, form))
                ),
                None,
            )
        return self._forms[key]

    def knows_form(self, schema: str, table: str, uuid: str) -> bool:
        """Whether the table's spelling was found or verified already."""
        return (schema, table, uuid) in self._forms

    def verified(self, schema: str, table: str, uuid: str, form: int) -> None:
        """The join saw every uuid of the table and found each spelled in `form`."""
        self._forms[(schema, table, uuid)] = form

    def guard(self, schema: str, table: str, uuid: str) -> bool:
        """Every uuid is text `canonical` reads exactly (printable ASCII)."""
        key = (schema, table, uuid)
        if key not in self._guards:
            self._guards[key] = not self._any(uuid_guard(_at(schema, table), uuid))
        return self._guards[key]

    def collated(self, schema: str, table: str) -> bool:
        row = self.conn.execute(
            f"SELECT sql FROM {schema}.sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        return row is None or "collate" in (row[0] or "").lower()

    def duplicated(self, schema: str, table: str, uuid: str, uniform: bool) -> bool:
        # A uniform spelling maps identities one to one, so the raw text groups them (with
        # the uuid's index, when there is one), and a unique index on the raw text already
        # says there is no duplicate. Otherwise group by the canonical spelling, folding
        # case even of non-uuid identities, which can only over-report: any duplicate
        # leaves the resource to the general path.
        if uniform and self._unique(schema, table, uuid):
            return False
        col = quote(uuid)
        group = col if uniform else f"lower({canonical(col)})"
        sql = (
            f"SELECT 1 FROM {_at(schema, table)} WHERE nullif(trim({col}), '') IS NOT NULL "
            f"GROUP BY {group} HAVING count(*) > 1 LIMIT 1"
        )
        return self.conn.execute(sql).fetchone() is not None

    def plain(self, this: str, other: str, table: str) -> Callable[[Column], bool]:
        """Whether `IS` alone compares a column of the table on both sides (`plain_is`)."""
        ours, theirs = self._affinities(this, table), self._affinities(other, table)

        def plain(column: Column) -> bool:
            name = column.name
            return name in ours and name in theirs and plain_is(column, ours[name], theirs[name])

        return plain

    # ----- internals
    def _any(self, sql: str) -> bool:
        return bool(self.conn.execute(sql).fetchone()[0])

    def _affinities(self, schema: str, table: str) -> dict[str, str]:
        rows = self.conn.execute(f"PRAGMA {schema}.table_info({quote(table)})").fetchall()
        return {row[1]: affinity(row[2] or "") for row in rows}

    def _unique(self, schema: str, table: str, column: str) -> bool:
        """A unique index on exactly `column`, over every row (not partial)."""
        indexes = self.conn.execute(f"PRAGMA {schema}.index_list({quote(table)})").fetchall()
        for _seq, name, unique, _origin, partial in indexes:
            if unique and not partial:
                info = self.conn.execute(f"PRAGMA {schema}.index_info({quote(name)})")
                if [row[2] for row in info] == [column]:
                    return True
        return False


def _at(schema: str, table: str) -> str:
    return f"{schema}.{quote(table)}"
