"""Reading the rows the SQLite join picked out, typed, in one query per side.

The candidates' keys go into a temporary table on the join's connection (THIS is `main`,
OTHER is attached), and each side's rows are read by one query that joins that table, in
the order the keys were given. One query per side, not one per batch of keys: a component
reaches its master through a column no index covers (Eden's `pe_id`), and SQLite builds
an automatic index for that join once per query, which per batch of 500 keys made the
reading quadratic in the size of the table. Even once per query that index covers the
whole master table, on each side; so a master is first copied into a TEMP table holding
only the rows the candidates' links name (one scan of the master, no sort), indexed, and
the read joins that: it finds exactly the rows the join on the master would.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Generator, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite

from core.compare_sql import quote
from core.digest import row_digest
from core.records import Record
from core.schema import Schema
from core.sources.errors import SourceError
from core.sources.sql import SqlDataset
from core.sqlite_checks import TableChecks

_KEYS = "truce_keys"
_MASTER = "truce_master_"  # + n: one TEMP table per master a side's read joins
_DIALECT = sqlite.dialect()


class JoinRows:
    """Typed rows of one side of the join, by key, on the join's connection."""

    def __init__(self, conn: sqlite3.Connection, typing: Schema) -> None:
        self.conn = conn
        self.typing = typing
        self.checks = TableChecks(conn)
        self._masters: list[str] = []

    def pairs(
        self,
        resource: str,
        this: SqlDataset,
        other: tuple[SqlDataset, str],
        keys: Sequence[tuple[Any, Any]],
    ) -> Iterator[tuple[Record, tuple[Record, bytes] | None]]:
        """(OTHER's record, (THIS's record, digest of THIS's raw row) or None) for each
        (OTHER key, THIS key or None), in that order: one query per side."""
        if not keys:
            return
        self._fill(keys)
        other_rows = self._rows(other[0], other[1], resource, "other_key")
        this_rows = self._rows(this, "main", resource, "this_key")
        try:
            for at, (_other_key, this_key) in enumerate(keys, start=1):
                o_found = next(other_rows, None)
                t_found = None if this_key is None else next(this_rows, None)
                lost = o_found is None or o_found[0] != at
                if this_key is not None and (t_found is None or t_found[0] != at):
                    lost = True
                if lost or o_found is None:
                    raise SourceError(f"{resource}: a row was removed while the plan read it")
                record = other[0].typed_record(resource, self.typing, *o_found[1])
                if t_found is None:
                    yield record, None
                    continue
                t_row = t_found[1]
                this_record = this.typed_record(resource, self.typing, *t_row)
                yield record, (this_record, row_digest(t_row[1]))
        finally:
            # A read given up midway still has its statements running: they are ended
            # first, or dropping the tables they read fails and hides the error.
            other_rows.close()
            this_rows.close()
            self._drop()

    # ----- internals
    def _fill(self, keys: Sequence[tuple[Any, Any]]) -> None:
        self._drop()
        self.conn.execute(
            f"CREATE TEMP TABLE {_KEYS} (at INTEGER PRIMARY KEY, other_key, this_key)"
        )
        self.conn.executemany(f"INSERT INTO temp.{_KEYS} (other_key, this_key) VALUES (?, ?)", keys)

    def _drop(self) -> None:
        self.conn.execute(f"DROP TABLE IF EXISTS temp.{_KEYS}")
        for name in self._masters:
            self.conn.execute(f"DROP TABLE IF EXISTS temp.{name}")
        self._masters.clear()

    def _master_tables(
        self, side: SqlDataset, schema: str, resource: str, key: str
    ) -> dict[tuple[str, str], str]:
        """(master, master key) → a TEMP table of that master's key and uuid, only the
        rows whose key a candidate's link holds, indexed by the key.

        The link matches the copy's rows exactly as it matches the master's: the key keeps
        its column's affinity (CREATE TABLE AS), the uuid none (`+`), so no value is
        converted; a table with a collation keeps the join on the master itself."""
        own = side.schema.resources[resource]
        tables: dict[tuple[str, str], str] = {}
        if not own.pk or self.checks.collated(schema, resource):
            return tables
        for link in self.typing.resources[resource].links:
            master = side.schema.resources.get(link.master)
            if (
                link.link not in own.columns
                or master is None
                or link.master_key not in master.columns
                or (link.master, link.master_key) in tables
                or self.checks.collated(schema, link.master)
            ):
                continue
            name = f"{_MASTER}{len(self._masters)}"
            self._masters.append(name)
            master_key, uuid = quote(link.master_key), quote(master.meta.uuid)
            uuid_column = f", +m.{uuid} AS {uuid}" if uuid != master_key else ""
            self.conn.execute(
                f"CREATE TEMP TABLE {name} AS SELECT m.{master_key} AS {master_key}"
                f"{uuid_column} FROM {schema}.{quote(link.master)} AS m "
                f"WHERE m.{master_key} IN (SELECT r.{quote(link.link)} FROM temp.{_KEYS} AS k "
                f"JOIN {schema}.{quote(resource)} AS r ON r.{quote(own.pk)} = k.{key})"
            )
            self.conn.execute(f"CREATE INDEX temp.{name}_key ON {name} ({master_key})")
            tables[(link.master, link.master_key)] = name
        return tables

    def _rows(
        self, side: SqlDataset, schema: str, resource: str, key: str
    ) -> Generator[tuple[int, tuple[Any, tuple[Any, ...]]], None, None]:
        masters = self._master_tables(side, schema, resource, key)
        shape = side.attached_shape(resource, self.typing, schema, masters)
        keys = sa.table(_KEYS, sa.column("at"), sa.column(key), schema="temp")
        statement = (
            shape.statement.join(keys, shape.key == keys.c[key])
            .add_columns(keys.c.at)
            .order_by(keys.c.at)
        )
        sql = str(statement.compile(dialect=_DIALECT))
        cursor = self.conn.execute(sql)
        try:
            for row in cursor:
                yield row[-1], (shape, row[:-1])
        finally:
            cursor.close()
