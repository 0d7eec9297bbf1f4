"""The stale check of a commit: THIS must still be what the plan read (docs/semantics.md,
Commit)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from core.batching import KEYS_PER_LOOKUP, chunks
from core.identity import stored_forms
from core.plan import Plan
from core.schema import Resource
from core.sources.sql import SqlDataset, raw_table
from core.vectors import Vector
from core.vocabulary import Action


class StaleError(Exception):
    """THIS changed since the plan was computed; nothing was written."""

    def __init__(self, records: list[str]) -> None:
        self.records = records
        super().__init__(
            f"commit refused: {len(records)} record(s) of THIS changed since "
            "the plan was computed: " + "; ".join(records[:10])
        )


def check_stale(
    conn: sa.Connection, plan: Plan, this: SqlDataset, writes: list[Vector]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Re-read every touched THIS record inside the transaction; refuse if any changed."""
    stale: list[str] = []
    before: dict[tuple[str, str], dict[str, Any]] = {}
    by_resource: dict[str, list[Vector]] = defaultdict(list)
    for vector in writes:
        by_resource[vector.resource].append(vector)
    for resource, vectors in by_resource.items():
        existing = [v for v in vectors if v.action is not Action.CREATE]
        rows = this.fetch(resource, [v.this_key for v in existing], connection=conn)
        raw = _raw_rows(conn, plan.schema.resources[resource], [v.this_key for v in existing])
        for vector in existing:
            found = rows.get(vector.this_key)
            if found is None:
                stale.append(f"{resource} {vector.uuid} was removed from THIS")
            elif found[1] != vector.this_fingerprint:
                stale.append(f"{resource} {vector.uuid} was changed in THIS")
            else:
                before[vector.identity] = raw[vector.this_key]
        created = [v for v in vectors if v.action is Action.CREATE]
        for uuid in _present_uuids(conn, plan.schema.resources[resource], created):
            stale.append(f"{resource} {uuid} appeared in THIS")
    if stale:
        raise StaleError(stale)
    return before


def _raw_rows(conn: sa.Connection, res: Resource, keys: list[Any]) -> dict[Any, dict[str, Any]]:
    table = raw_table(res)
    rows: dict[Any, dict[str, Any]] = {}
    for batch in chunks(keys, KEYS_PER_LOOKUP):
        stmt = sa.select(table).where(table.c[res.pk].in_(batch))
        for row in conn.execute(stmt).mappings():
            rows[row[res.pk]] = dict(row)
    return rows


def _present_uuids(conn: sa.Connection, res: Resource, vectors: list[Vector]) -> list[str]:
    forms = {form: v.uuid for v in vectors for form in stored_forms(v.uuid)}
    table = raw_table(res)
    column = table.c[res.meta.uuid]
    found: list[str] = []
    for batch in chunks(forms, KEYS_PER_LOOKUP):
        stmt = sa.select(column).where(column.in_(batch))
        stored: Sequence[Any] = conn.execute(stmt).scalars().all()
        found += [forms[raw] for raw in stored]
    return found
