"""Comparing two SQLite files where the data is: OTHER attached to a connection on THIS.

One query per resource pairs OTHER's rows with THIS's by uuid and classifies each pair
(see core/compare_sql.py); only the candidates and OTHER's new rows reach Python, where
they are typed and decided exactly as the general path decides. A resource whose uuids
cannot be joined exactly (mixed spellings, non-ASCII text, duplicates, collations) is left
to the general path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from pathlib import Path
from typing import Any

from core.batching import KEYS_PER_LOOKUP, chunks
from core.compare_sql import (
    both_meta_valid,
    canonical,
    equal,
    in_form,
    meta_valid,
    modified_micros,
    quote,
    same,
    spelled,
    surely_false,
    surely_true,
    valid,
)
from core.identity import stored_forms
from core.join_rows import JoinRows
from core.records import Record
from core.schema import Column, Kind, Resource, Schema
from core.sources.sql import SqlDataset
from core.sqlite_checks import TableChecks

_OTHER = "truce_other"
UNCHANGED, DELETED_BOTH, CANDIDATE = 0, 1, 2
_MISSPELLED = 3  # a row THIS lacks whose uuid is not spelled as the join hoped


def sqlite_file(dataset: SqlDataset) -> Path | None:
    """The file of a SQLite dataset, or None (another engine, or an in-memory database)."""
    url = dataset.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        return None
    name = url.database
    if name.startswith("file:"):
        name = name[len("file:") :].split("?", 1)[0]
    path = Path(name)
    return path.resolve() if name != ":memory:" and path.is_file() else None


class SqliteJoin:
    """A read-only connection on THIS's file with OTHER's file attached."""

    def __init__(self, this: SqlDataset, other: SqlDataset, this_file: Path, other_file: Path):
        self.this = this
        self.other = other
        self.conn = sqlite3.connect(this_file.as_uri() + "?mode=ro", uri=True)
        self.conn.execute(f"ATTACH DATABASE ? AS {_OTHER}", (other_file.as_uri() + "?mode=ro",))
        self.checks = TableChecks(self.conn)

    @classmethod
    def open(cls, this: SqlDataset, other: Any) -> SqliteJoin | None:
        if not isinstance(other, SqlDataset):
            return None
        this_file, other_file = sqlite_file(this), sqlite_file(other)
        if this_file is None or other_file is None:
            return None
        try:
            return cls(this, other, this_file, other_file)
        except sqlite3.Error:
            return None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> SqliteJoin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----- the per-resource query
    def pairs(self, resource: str) -> Iterator[list[tuple[Any, Any, int, int]]] | None:
        """Every OTHER row of `resource`, in batches of (THIS key or None when the row is
        new, OTHER key, OTHER's modified_on in micros, verdict) ordered by THIS key; None
        when the general path must compare this resource (its uuids cannot be joined
        exactly)."""
        this_res = self.this.schema.resources[resource]
        other_res = self.other.schema.resources.get(resource)
        if other_res is None or not other_res.pk or not this_res.pk:
            return None
        try:
            statement, hoped = self._statement(this_res, other_res, hope=True)
        except _NotJoinable:
            return None
        if hoped is None:
            return self._rows(self.conn.execute(statement))
        cursor = self.conn.execute(statement)
        # The rows THIS lacks come first (a NULL key sorts first): once they are read,
        # every uuid of OTHER's table was either THIS's own spelling or checked.
        head = []
        for row in cursor:
            head.append(row)
            if row[0] is not None:
                break
        if all(row[3] != _MISSPELLED for row in head):
            self.checks.verified(_OTHER, resource, this_res.meta.uuid, hoped)
            return self._rows(chain(head, cursor))
        cursor.close()
        try:
            statement, _ = self._statement(this_res, other_res, hope=False)
        except _NotJoinable:
            return None
        return self._rows(self.conn.execute(statement))

    def _rows(self, rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, Any, int, int]]]:
        yield from chunks(rows, KEYS_PER_LOOKUP)

    def _statement(
        self, this_res: Resource, other_res: Resource, hope: bool
    ) -> tuple[str, int | None]:
        """The query, and the spelling it hopes OTHER's table has (None: it knows)."""
        name = this_res.name
        this_table, other_table = f"main.{quote(name)}", f"{_OTHER}.{quote(name)}"
        uuid = quote(this_res.meta.uuid)
        join, hoped = self._uuid_join(this_res, other_res, hope)
        joins = [
            f"LEFT JOIN {this_table} AS t ON t.{uuid} = {join} "
            f"AND nullif(trim(o.{uuid}), '') IS NOT NULL"
        ]
        conditions: list[str] = []
        plain = self.checks.plain("main", _OTHER, name)
        fields = [f for f in this_res.data_fields if f in other_res.columns]
        for n, field in enumerate(this_res.data_fields):
            column = this_res.columns[field]
            t_value = f"t.{quote(field)}"
            conditions.append(valid(column, t_value))
            if field not in fields:
                continue
            o_value = f"o.{quote(field)}"
            ref = this_res.references.get(field)
            if ref is None:
                conditions.append(equal(column, t_value, o_value, plain(column)))
                continue
            conditions.append(valid(column, o_value))
            t_uuid = self._target_uuid(
                joins, "main", this_res, field, ref.target, ref.target_key, f"tr{n}"
            )
            o_uuid = self._target_uuid(
                joins, _OTHER, this_res, field, ref.target, ref.target_key, f"or{n}", other_res
            )
            conditions.append(self._same_target(t_uuid, o_uuid, ref.target))
        masters, has_master = self._links(joins, this_res, other_res)
        conditions += masters + has_master
        conditions += both_meta_valid(this_res, other_res, plain)
        deleted = this_res.meta.deleted
        t_deleted = f"t.{quote(deleted)}" if this_res.has(deleted) else "NULL"
        o_deleted = f"o.{quote(deleted)}" if other_res.has(deleted) else "NULL"
        # Deleted on both sides is unchanged whatever the values; the row keeps OTHER's
        # master and modification time, so those must be read exactly here.
        both_deleted = " AND ".join(
            [surely_true(t_deleted), surely_true(o_deleted), *masters, *meta_valid(other_res, "o")]
        )
        neither = f"{surely_false(t_deleted)} AND {surely_false(o_deleted)}"
        if this_res.has(deleted) and other_res.has(deleted):
            # The same raw flag on both sides (the usual case) is read once.
            flag = Column(deleted, Kind.BOOLEAN)
            neither = (
                f"({surely_false(t_deleted)} AND "
                f"({same(t_deleted, o_deleted, plain(flag))} OR {surely_false(o_deleted)}))"
            )
        unchanged = " AND ".join([neither, *conditions])
        modified = this_res.meta.modified_on
        o_modified = f"o.{quote(modified)}" if other_res.has(modified) else None
        t_modified = f"t.{quote(modified)}" if this_res.has(modified) else None
        modified_plain = plain(Column(modified, Kind.DATETIME))
        t_key = f"t.{quote(this_res.pk)}"
        new = str(CANDIDATE)
        if hoped is not None:  # a row THIS lacks may be one OTHER spells otherwise
            new = f"CASE WHEN {in_form(f'o.{uuid}', hoped)} THEN {new} ELSE {_MISSPELLED} END"
        # Unchanged is tried first: it is most rows, and excludes deleted on both sides.
        statement = (
            f"SELECT {t_key}, o.{quote(other_res.pk)}, "
            f"{modified_micros(o_modified, t_modified, modified_plain)}, "
            f"CASE WHEN {t_key} IS NULL THEN {new} "
            f"WHEN {unchanged} THEN 0 WHEN {both_deleted} THEN 1 ELSE 2 END "
            f"FROM {other_table} AS o {' '.join(joins)} "
            f"ORDER BY {t_key} NULLS FIRST"
        )
        return statement, hoped

    def _links(
        self, joins: list[str], this_res: Resource, other_res: Resource
    ) -> tuple[list[str], list[str]]:
        """Conditions that both rows have the same master, and that THIS's row has one."""
        if not this_res.links:
            return [], []
        conditions = []
        this_masters = []
        for n, link in enumerate(this_res.links):
            t_uuid = self._target_uuid(
                joins, "main", this_res, link.link, link.master, link.master_key, f"tm{n}"
            )
            o_uuid = self._target_uuid(
                joins,
                _OTHER,
                this_res,
                link.link,
                link.master,
                link.master_key,
                f"om{n}",
                other_res,
            )
            this_masters.append(t_uuid)
            conditions.append(f"(({t_uuid} IS NULL) = ({o_uuid} IS NULL))")
            conditions.append(self._same_target(t_uuid, o_uuid, link.master))
        return conditions, [f"coalesce({', '.join(this_masters)}, NULL) IS NOT NULL"]

    def _target_uuid(
        self,
        joins: list[str],
        schema: str,
        this_res: Resource,
        field: str,
        target: str,
        target_key: str,
        alias: str,
        other_res: Resource | None = None,
    ) -> str:
        """The joined uuid of the row a key column points at (NULL when there is none)."""
        dataset = self.this if other_res is None else self.other
        own = this_res if other_res is None else other_res
        target_res = dataset.schema.resources.get(target)
        this_target = self.this.schema.resources.get(target)
        if (
            field not in own.columns
            or target_res is None
            or this_target is None
            or target_key not in target_res.columns
            or target_key not in this_target.columns
        ):
            return "NULL"
        uuid = this_target.meta.uuid
        row = "t" if other_res is None else "o"
        joins.append(
            f"LEFT JOIN {schema}.{quote(target)} AS {alias} "
            f"ON {alias}.{quote(target_key)} = {row}.{quote(field)}"
        )
        return f"{alias}.{quote(uuid)}"

    def _uuid_join(
        self, this_res: Resource, other_res: Resource, hope: bool
    ) -> tuple[str, int | None]:
        """The expression of OTHER's row that equals THIS's raw uuid exactly when their
        canonical uuids are equal, and the spelling it hopes OTHER has (None: OTHER's
        spelling is known); raises _NotJoinable when there is none.

        With `hope`, OTHER's table is not scanned for its spelling: the join compares raw
        uuids, and a row that matched THIS's row is spelled as THIS spells; the query
        checks the rows THIS lacks, and `pairs` falls back to the scan if one is not."""
        name, uuid = this_res.name, this_res.meta.uuid
        checks = self.checks
        if uuid not in other_res.columns or other_res.meta != this_res.meta:
            raise _NotJoinable  # OTHER read with other meta names: the general path maps them
        if checks.collated("main", name) or checks.collated(_OTHER, name):
            raise _NotJoinable
        form = checks.form("main", name, uuid)
        if form is None:
            raise _NotJoinable  # THIS spells its uuids in more than one way
        column = f"o.{quote(uuid)}"
        hoped = form if hope and not checks.knows_form(_OTHER, name, uuid) else None
        other_form = form if hoped is not None else checks.form(_OTHER, name, uuid)
        if other_form is None and not checks.guard(_OTHER, name, uuid):
            raise _NotJoinable
        if checks.duplicated(_OTHER, name, uuid, other_form is not None):
            raise _NotJoinable
        if checks.duplicated("main", name, uuid, True):
            raise _NotJoinable  # the general path names THIS's duplicates
        join = column if other_form == form else spelled(canonical(column), form)
        return join, hoped

    def _same_target(self, this_uuid: str, other_uuid: str, target: str) -> str:
        """SQL: the joined uuids of THIS's and OTHER's target rows are the same identity."""
        if this_uuid == "NULL" or other_uuid == "NULL":
            # Saying "equal" only when both are NULL or blank is exact; anything else
            # makes the pair a candidate, which is always safe.
            blank = "(nullif(trim({}), '') IS NULL)"
            return f"({blank.format(this_uuid)} AND {blank.format(other_uuid)})"
        uuid = self.this.schema.resources[target].meta.uuid
        checks = self.checks
        this_form = checks.form("main", target, uuid)
        if this_form is not None and this_form == checks.form(_OTHER, target, uuid):
            return f"({this_uuid} IS {other_uuid})"
        if not (checks.guard("main", target, uuid) and checks.guard(_OTHER, target, uuid)):
            raise _NotJoinable
        return f"({canonical(this_uuid)} IS {canonical(other_uuid)})"

    def rows(self, typing: Schema) -> OtherRows:
        """Reads the rows of OTHER's candidates and new records on this connection."""
        return OtherRows(JoinRows(self.conn, typing), self.this, self.other)

    def spelling(self, resource: str) -> Callable[[str], str]:
        """How THIS's table spells a canonical uuid (for a resource `pairs` accepted)."""
        form = self.checks.form("main", resource, self.this.schema.resources[resource].meta.uuid)
        assert form is not None

        def spell(canonical: str) -> str:
            forms = stored_forms(canonical)
            return forms[form] if len(forms) > form else canonical

        return spell


class OtherRows:
    """OTHER's rows the join picked out, typed, with THIS's row where there is one."""

    def __init__(self, rows: JoinRows, this: SqlDataset, other: SqlDataset) -> None:
        self._rows, self._this, self._other = rows, this, other

    def pairs(
        self, resource: str, keys: Sequence[tuple[Any, Any]]
    ) -> Iterator[tuple[Record, tuple[Record, bytes] | None]]:
        """OTHER's record and (THIS's record, THIS's row digest) per (OTHER key, THIS
        key); None for THIS's when its key is None (a record THIS lacks)."""
        return self._rows.pairs(resource, self._this, (self._other, _OTHER), keys)


class _NotJoinable(Exception):
    """This resource's uuids cannot be joined exactly in SQL."""


__all__ = ["CANDIDATE", "DELETED_BOTH", "UNCHANGED", "SqliteJoin", "same"]
