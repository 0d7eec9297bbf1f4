"""The column values each write stores: encoded data fields, references turned into THIS's
keys, component links, meta fields. These are the seams a mapping-specific step (Eden)
extends: `insert_row` for a new record, `update_row` and `delete_row` for existing ones.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.batching import KEYS_PER_LOOKUP, chunks
from core.commit.order import Written
from core.commit.problems import Unwritable
from core.creation import Creation
from core.plan import Plan
from core.schema import Resource
from core.sources.raw_table import raw_table
from core.sources.sql import SqlDataset
from core.values import Converter, encoder
from core.vectors import Vector, later
from core.vocabulary import Action

__all__ = ["Rows"]


class Rows:
    """Builds the row values of writes and knows the keys of THIS rows they point at."""

    def __init__(
        self,
        conn: sa.Connection,
        plan: Plan,
        this: SqlDataset,
        creation: Creation,
        written: Written | None = None,
    ) -> None:
        self.conn, self.plan, self.this, self.creation = conn, plan, this, creation
        self.written = written or Written()
        self.schema = plan.schema
        self.tables = {name: raw_table(res) for name, res in self.schema.resources.items()}
        self.encoders: dict[str, dict[str, Converter]] = {
            name: {c.name: encoder(c, this.dialect) for c in res.columns.values()}
            for name, res in self.schema.resources.items()
        }
        # Rows this commit created: identity → the values stored (pk and super keys too).
        self.created: dict[tuple[str, str], dict[str, Any]] = {}
        self._looked_up: dict[tuple[str, str, str], Any] = {}

    # ----- the seams: one row of values per write
    def insert_row(
        self, res: Resource, vector: Vector, nulled: list[tuple[str, tuple[str, str]]]
    ) -> dict[str, Any]:
        """A new record's values; references to records not written yet (a cycle) are
        stored NULL and listed in `nulled` for the fix-up. The uuid is spelled as THIS
        spells them; model defaults and the acting user come from `core.creation`."""
        row = self.encoded(res, vector.other_values, nulled)
        meta = res.meta
        for name, value in (
            (meta.uuid, self.creation.spell_uuid(res, vector.uuid)),
            (meta.modified_on, vector.other_modified),
            (meta.created_on, vector.other_created),
            (meta.deleted, False),
            (meta.mci, vector.other_mci),
        ):
            if res.has(name) and (value is not None or name == meta.deleted):
                row[name] = self.encoders[res.name][name](value)
        row.update(self.link(res, vector))
        return self.creation.complete(res, row)

    def update_row(self, res: Resource, vector: Vector) -> dict[str, Any]:
        changes = self.encoded(res, self.written.values(vector), None)
        changes.update(self._modified(res, vector))
        return changes

    def delete_row(self, res: Resource, vector: Vector) -> dict[str, Any]:
        changes = {res.meta.deleted: self.encoders[res.name][res.meta.deleted](True)}
        changes.update(self._modified(res, vector))
        return changes

    # ----- values
    def encoded(
        self,
        res: Resource,
        values: dict[str, Any],
        nulled: list[tuple[str, tuple[str, str]]] | None,
    ) -> dict[str, Any]:
        row: dict[str, Any] = {}
        encoders = self.encoders[res.name]
        for name, value in values.items():
            if name not in res.columns:
                continue
            if name in res.references and value is not None:
                row[name] = self._reference_key(res, name, value, nulled)
                continue
            try:
                row[name] = encoders[name](value)
            except (TypeError, ValueError, AttributeError, OverflowError) as exc:
                raise Unwritable(name, f"cannot store {value!r}: {exc}") from None
        return row

    def _modified(self, res: Resource, vector: Vector) -> dict[str, Any]:
        modified = later(vector.this_modified, vector.other_modified)
        if not res.has(res.meta.modified_on) or modified is None:
            return {}
        return {res.meta.modified_on: self.encoders[res.name][res.meta.modified_on](modified)}

    def _reference_key(
        self,
        res: Resource,
        name: str,
        uuid: str,
        nulled: list[tuple[str, tuple[str, str]]] | None,
    ) -> Any:
        ref = res.references[name]
        target = (ref.target, uuid)
        value = self.column_of(target, ref.target_key)
        if value is not None:
            return value
        target_vector = self.plan.get(*target)
        if (
            nulled is not None
            and target_vector is not None
            and target_vector.action is Action.CREATE
        ):
            if not res.columns[name].nullable:
                raise Unwritable(
                    name,
                    f"reference cycle through NOT NULL column: "
                    f"{ref.target} {uuid} is not written yet",
                )
            nulled.append((name, target))
            return None
        raise Unwritable(name, f"{ref.target} {uuid} does not exist in THIS")

    def link(self, res: Resource, vector: Vector) -> dict[str, Any]:
        """The component's link column, pointing at its master's key."""
        if vector.parent is None or not res.links:
            return {}
        for link in res.links:
            if link.master == vector.parent[0]:
                value = self.column_of(vector.parent, link.master_key)
                if value is None:
                    raise Unwritable(
                        link.link, f"master {vector.parent[0]} {vector.parent[1]} is not in THIS"
                    )
                return {link.link: value}
        raise Unwritable(None, f"{res.name} is not a component of {vector.parent[0]}")

    # ----- keys of the rows written values point at
    def column_of(self, identity: tuple[str, str], column: str) -> Any:
        """A column's value in the THIS row with that identity (created or existing)."""
        if identity in self.created:
            return self.created[identity].get(column)
        key = self.plan.this_index.get(identity[0], {}).get(identity[1])
        res = self.schema.resources.get(identity[0])
        if key is None or res is None:
            return None
        if column == res.pk:
            return key
        cache_key = (*identity, column)
        if cache_key not in self._looked_up:
            self.prefetch([(identity, column)])
        return self._looked_up.get(cache_key)

    def prefetch_for(self, vectors: list[Vector]) -> None:
        """Read, in batches, the non-key columns a group's writes point at (Eden links
        through `pe_id`), so no write waits on a lookup of its own."""
        wanted: list[tuple[tuple[str, str], str]] = []
        for vector in vectors:
            res = self.schema.resources[vector.resource]
            for target in self.written.targets(vector):
                for column in _target_columns(res, vector, target):
                    wanted.append((target, column))
        self.prefetch(wanted)

    def prefetch(self, wanted: list[tuple[tuple[str, str], str]]) -> None:
        by_column: dict[tuple[str, str], dict[Any, str]] = {}
        for (resource, uuid), column in wanted:
            res = self.schema.resources.get(resource)
            key = self.plan.this_index.get(resource, {}).get(uuid)
            if res is None or key is None or column == res.pk:
                continue
            if (resource, uuid) in self.created or (resource, uuid, column) in self._looked_up:
                continue
            by_column.setdefault((resource, column), {})[key] = uuid
        for (resource, column), uuids in by_column.items():
            res = self.schema.resources[resource]
            table = self.tables[resource]
            assert res.pk is not None
            for uuid in uuids.values():  # a row gone since the plan reads as None
                self._looked_up[(resource, uuid, column)] = None
            for batch in chunks(uuids, KEYS_PER_LOOKUP):
                stmt = sa.select(table.c[res.pk], table.c[column]).where(table.c[res.pk].in_(batch))
                for key, value in self.conn.execute(stmt):
                    self._looked_up[(resource, uuids[key], column)] = value


def _target_columns(res: Resource, vector: Vector, target: tuple[str, str]) -> list[str]:
    columns = [r.target_key for r in res.references.values() if r.target == target[0]]
    columns += [link.master_key for link in res.links if link.master == target[0]]
    return columns
