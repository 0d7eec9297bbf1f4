"""The stale check of a commit: THIS must still be what the plan read (docs/semantics.md,
Commit).

Inside the commit's transaction, before anything is written, every record the commit
touches is locked (PostgreSQL `SELECT … FOR UPDATE`; SQLite holds the write lock from
`BEGIN IMMEDIATE`) and re-read; its stored values must still have the digest the plan
saw (`core.digest`). A record the commit creates must not have appeared meanwhile in any
spelling of its uuid, and every existing record a write points at (a reference, a master)
must still be there. A concurrent writer is thus either seen here (refused, nothing
written) or waits for our locks (and writes after us): no update is ever lost.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from core.batching import KEYS_PER_JOINED_LOOKUP, KEYS_PER_LOOKUP, chunks
from core.commit.order import Written
from core.digest import row_digest
from core.identity import canonical_uuid
from core.plan import Plan
from core.schema import Resource
from core.sources.raw_table import raw_table
from core.sources.sql import SqlDataset
from core.vectors import Vector
from core.vocabulary import Action

__all__ = ["StaleError", "check_stale"]

_PREFIX = "urn:uuid:"
_CANONICAL_UUID = re.compile(
    r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z"
)
# Every character Python's `str.strip()` removes (what `canonical_uuid` trims).
_SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())


class StaleError(Exception):
    """THIS changed since the plan was computed; nothing was written."""

    def __init__(self, records: list[str]) -> None:
        self.records = records
        super().__init__(
            f"commit refused: {len(records)} record(s) of THIS changed since "
            "the plan was computed: " + "; ".join(records[:10])
        )


def check_stale(
    conn: sa.Connection,
    plan: Plan,
    this: SqlDataset,
    writes: list[Vector],
    written: Written | None = None,
) -> dict[tuple[str, str], dict[str, Any]]:
    """Lock and re-read every touched THIS record; refuse if any changed. Returns the raw
    stored rows (the journal's before-images) by identity."""
    stale: list[str] = []
    before: dict[tuple[str, str], dict[str, Any]] = {}
    by_resource: dict[str, list[Vector]] = defaultdict(list)
    for vector in writes:
        by_resource[vector.resource].append(vector)
    for resource, vectors in by_resource.items():
        res = plan.schema.resources[resource]
        existing = [v for v in vectors if v.action is not Action.CREATE]
        rows = _locked_rows(conn, res, this, [v.this_key for v in existing])
        for vector in existing:
            found = rows.get(vector.this_key)
            if found is None:
                stale.append(f"{resource} {vector.uuid} was removed from THIS")
            elif found[0] != vector.this_fingerprint:
                stale.append(f"{resource} {vector.uuid} was changed in THIS")
            else:
                before[vector.identity] = found[1]
        created = [v for v in vectors if v.action is Action.CREATE]
        stale += [
            f"{resource} {uuid} appeared in THIS"
            for uuid in _present(conn, res, created, this.dialect)
        ]
    stale += _vanished_targets(conn, plan, this.dialect, writes, written or Written())
    stale += _under_deleted_master(plan, writes)
    if stale:
        raise StaleError(stale)
    return before


def _locked_rows(
    conn: sa.Connection, res: Resource, this: SqlDataset, keys: list[Any]
) -> dict[Any, tuple[bytes, dict[str, Any]]]:
    """Each stored row's digest (as the plan read it, `SqlDataset.row_shape`) and raw
    values, read in one pass and locked for our update on a server (SQLite: already
    locked); key → (digest, row)."""
    query = this.row_shape(res.name)
    shape = query.statement
    width = len(shape.selected_columns)
    table = query.key.table  # the shape's own table: no second FROM
    assert res.pk is not None
    names = list(raw_table(res).c.keys())
    stmt = shape.add_columns(*(table.c[n].label(f"truce_raw_{i}") for i, n in enumerate(names)))
    stmt = stmt.order_by(table.c[res.pk])
    if this.dialect == "postgresql":  # only THIS's row: the joined targets may be NULL
        stmt = stmt.with_for_update(of=table)
    rows: dict[Any, tuple[bytes, dict[str, Any]]] = {}
    pk = table.c[res.pk]
    # Few, large statements: the shape's joins on unindexed columns (Eden's `pe_id`) make
    # SQLite build an automatic index per statement (a scan and sort of the whole master
    # table); per batch of 500 keys that was most of the check.
    for batch in chunks(keys, KEYS_PER_JOINED_LOOKUP):
        for row in conn.execute(stmt.where(pk.in_(batch))):
            rows[row[0]] = (row_digest(row[:width]), dict(zip(names, row[width:], strict=True)))
    return rows


def _present(
    conn: sa.Connection, res: Resource, vectors: list[Vector], dialect: str
) -> Iterator[str]:
    """Uuids to be created that THIS now holds in any spelling (case, `urn:uuid:`, spaces).

    One statement for all of them: the database scans the uuid column once, trims and
    folds each value in SQL and keeps those among the wanted forms (sent as one array
    parameter, so any number of creates costs one pass); only those few rows reach Python,
    where `canonical_uuid` has the last word. The trim removes every character Python's
    `str.strip` does, so the candidates are never fewer than the full scan would find."""
    if not vectors:
        return
    wanted = {v.uuid for v in vectors}
    column = raw_table(res).c[res.meta.uuid]
    forms = sorted({form for uuid in wanted for form in _lower_forms(uuid)})
    trimmed = sa.func.trim(column, _SPACES)
    # SQLite compares under NOCASE (ASCII, as its lower() folds) twice as fast as lower().
    folded = trimmed.collate("NOCASE") if dialect == "sqlite" else sa.func.lower(trimmed)
    condition = _among(folded, forms, dialect)
    # A uuid is found by its folded forms; any other identity is kept exactly, and SQL's
    # lower() may fold it differently from Python's, so it is compared as stored too.
    exact = sorted(u for u in wanted if not _CANONICAL_UUID.match(u))
    if exact:
        condition = condition | _among(trimmed, exact, dialect)
    stmt = sa.select(column).where(condition)
    found: set[str] = set()
    for (raw,) in conn.execute(stmt):
        uuid = canonical_uuid(raw)
        if uuid in wanted and uuid not in found:
            found.add(uuid)
            yield uuid


def _among(expr: sa.ColumnElement[Any], values: list[str], dialect: str) -> sa.ColumnElement[bool]:
    """`expr IN values` with the values as one parameter (an array), whatever their number."""
    if dialect == "postgresql":
        return expr == sa.any_(sa.bindparam(None, values, type_=postgresql.ARRAY(sa.Text)))
    if dialect == "sqlite":
        listed = sa.func.json_each(sa.bindparam(None, json.dumps(values))).table_valued("value")
        return expr.in_(sa.select(listed.c.value))
    return sa.or_(*(expr.in_(batch) for batch in chunks(values, KEYS_PER_LOOKUP)))


def _lower_forms(canonical: str) -> tuple[str, ...]:
    lowered = canonical.lower()
    if lowered.startswith(_PREFIX):
        return (lowered, lowered[len(_PREFIX) :])
    return (lowered,)


def _vanished_targets(
    conn: sa.Connection, plan: Plan, dialect: str, writes: list[Vector], written: Written
) -> list[str]:
    """Existing records the writes point at that are gone from THIS (locked against
    removal on a server with `FOR KEY SHARE`)."""
    creating = {v.identity for v in writes if v.action is Action.CREATE}
    wanted: dict[str, dict[Any, list[str]]] = defaultdict(lambda: defaultdict(list))
    for vector in writes:
        for target in written.targets(vector):
            key = plan.this_index.get(target[0], {}).get(target[1])
            if target not in creating and key is not None:
                wanted[target[0]][key].append(f"{vector.resource} {vector.uuid}")
    stale: list[str] = []
    for resource, by_key in wanted.items():
        res = plan.schema.resources[resource]
        assert res.pk is not None
        pk = raw_table(res).c[res.pk]
        present: set[Any] = set()
        for batch in chunks(by_key, KEYS_PER_LOOKUP):
            stmt = sa.select(pk).where(pk.in_(batch)).order_by(pk)
            if dialect == "postgresql":
                stmt = stmt.with_for_update(key_share=True, read=True)
            present.update(conn.execute(stmt).scalars())
        for key, writers in by_key.items():
            if key not in present:
                stale += [f"{w} points at {resource} {key}, removed from THIS" for w in writers]
    return stale


def _under_deleted_master(plan: Plan, writes: list[Vector]) -> list[str]:
    """A new component must not be created under a master this commit deletes."""
    deleting = {v.identity for v in writes if v.action is Action.DELETE}
    return [
        f"{v.resource} {v.uuid} would be created under {v.parent[0]} {v.parent[1]}, "
        "which this commit deletes"
        for v in writes
        if v.action is Action.CREATE and v.parent in deleting
    ]
