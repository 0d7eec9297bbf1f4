"""Deleting a record the way Eden deletes it (docs/semantics.md, Deletion).

A commit marks a deleted master `deleted`; this module does the rest, in the same
transaction, each row's change journaled so that `revert` restores it:

- its components (the component links of the schema: the mapping's, or the
  `ON DELETE CASCADE` keys under the conventions) are marked deleted with it, and their
  components in turn;
- its super-entity rows (`pr_pentity`, `sit_trackable`, … reached through its
  super-entity keys) are marked deleted;
- where the table has a `deleted_fk` column (Eden), each deleted row's foreign keys are
  archived there as a JSON object of the non-empty values (super-entity keys left out, as
  the super-entity link is kept), and the nullable ones are set to NULL — what Eden's
  `S3Delete.archive_record` does.

Rows are never removed, and a table without a `deleted` column is left alone.
Columns Truce otherwise ignores (`deleted_fk`, `created_by`, …) are written here, so the
tables are reflected in full rather than through the schema's resources.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.identity import canonical_uuid
from core.journal import Image
from core.mapping import Mapping
from core.plan import Plan
from core.reflection import column_of
from core.schema import Column, Kind, Resource
from core.values import encoder
from core.vocabulary import Action

DELETED_FK = "deleted_fk"
# Journal actions of the rows this module writes (revert restores any non-create image).
ARCHIVE, CASCADE, MARK = "archive", "cascade", "mark"


@dataclass(frozen=True)
class Reflected:
    """A THIS table with every column (ignored ones too) and its foreign keys."""

    table: sa.Table

    @property
    def pk(self) -> str:
        return next(iter(self.table.primary_key.columns)).name

    def foreign_keys(self, skip: set[str]) -> list[str]:
        return sorted(
            {fk.parent.name for fk in self.table.foreign_keys if fk.parent.name not in skip}
        )

    def has(self, name: str) -> bool:
        return name in self.table.c

    @property
    def raw(self) -> sa.TableClause:
        """Untyped columns: values are read and journaled exactly as stored."""
        return sa.table(self.table.name, *(sa.column(c.name) for c in self.table.c))


class Deleter:
    """Writes what a master's deletion brings along; one per commit transaction."""

    def __init__(self, conn: sa.Connection, plan: Plan, dialect: str) -> None:
        self.conn, self.plan, self.dialect = conn, plan, dialect
        self.schema = plan.schema
        self._tables: dict[str, Reflected] = {}
        self.images: list[Image] = []

    def reflected(self, name: str) -> Reflected:
        if name not in self._tables:
            self._tables[name] = Reflected(sa.Table(name, sa.MetaData(), autoload_with=self.conn))
        return self._tables[name]

    def after_delete(
        self, res: Resource, key: Any, uuid: str, modified: datetime | None
    ) -> list[Image]:
        """Once the master row `key` of `res` is marked deleted: the images of what else
        its deletion wrote (archived keys, components, super-entity rows)."""
        self.images = []
        row = self._row(res.name, key)
        if row is not None:
            self._archive(res, key, uuid, row, ARCHIVE, {})
            self._mark_super_rows(res, uuid, row)
            self._cascade(res, row, modified, seen={(res.name, key)})
        return self.images

    # ----- the parts
    def _cascade(
        self,
        master: Resource,
        row: dict[str, Any],
        modified: datetime | None,
        seen: set[tuple[str, Any]],
    ) -> None:
        for component in self.schema.resources.values():
            for link in component.links:
                if link.master != master.name or row.get(link.master_key) is None:
                    continue
                table = self.reflected(component.name)
                deleted = component.meta.deleted
                if not table.has(deleted):
                    continue
                raw = table.raw
                stmt = sa.select(raw).where(raw.c[link.link] == row[link.master_key])
                for found in self.conn.execute(stmt).mappings().all():
                    child = dict(found)
                    key = child[table.pk]
                    if (component.name, key) in seen or _is_true(child.get(deleted)):
                        continue
                    seen.add((component.name, key))
                    self._delete_component(component, child, key, modified)
                    self._cascade(component, child, modified, seen)

    def _delete_component(
        self, res: Resource, row: dict[str, Any], key: Any, modified: datetime | None
    ) -> None:
        uuid = canonical_uuid(row.get(res.meta.uuid)) or f"#{key}"
        changes: dict[str, Any] = {}
        own = self.plan.get(res.name, uuid)
        if own is None or own.action is not Action.DELETE:
            # Its own delete vector (if any) marks it and moves its modified_on.
            changes[res.meta.deleted] = self._encode(res, res.meta.deleted, True)
            stamp = res.meta.modified_on
            if modified is not None and res.has(stamp):
                changes[stamp] = self._encode(res, stamp, modified)
        self._archive(res, key, uuid, row, CASCADE, changes)

    def _archive(
        self,
        res: Resource,
        key: Any,
        uuid: str,
        row: dict[str, Any],
        action: str,
        changes: dict[str, Any],
    ) -> None:
        table = self.reflected(res.name)
        changes = dict(changes)
        if table.has(DELETED_FK):
            supers = {sk.column for sk in res.super_keys}
            archived = {}
            for name in table.foreign_keys(supers):
                if row.get(name):
                    archived[name] = row[name]
                    if table.table.c[name].nullable:
                        changes[name] = None
            if archived:
                changes[DELETED_FK] = json.dumps(archived)
        if not changes:
            return
        self._update(table, res.name, uuid, key, row, changes, action)

    def _mark_super_rows(self, res: Resource, uuid: str, row: dict[str, Any]) -> None:
        for sk in res.super_keys:
            value = row.get(sk.column)
            if value is None:
                continue
            table = self.reflected(sk.table)
            if not table.has("deleted"):
                continue
            raw = table.raw
            found = self.conn.execute(sa.select(raw).where(raw.c[sk.key] == value)).mappings()
            for super_row in found.all():
                if _is_true(super_row["deleted"]):
                    continue
                mark = {"deleted": _true_for(table.table.c["deleted"])}
                self._update(
                    table, sk.table, uuid, super_row[table.pk], dict(super_row), mark, MARK
                )

    # ----- helpers
    def _row(self, name: str, key: Any) -> dict[str, Any] | None:
        table = self.reflected(name)
        raw = table.raw
        stmt = sa.select(raw).where(raw.c[table.pk] == key)
        found = self.conn.execute(stmt).mappings().first()
        return dict(found) if found is not None else None

    def _update(
        self,
        table: Reflected,
        name: str,
        uuid: str,
        key: Any,
        row: dict[str, Any],
        changes: dict[str, Any],
        action: str,
    ) -> None:
        plain = sa.table(name, *(sa.column(c) for c in {table.pk, *changes}))
        self.conn.execute(sa.update(plain).where(plain.c[table.pk] == key).values(changes))
        before = {k: row.get(k) for k in changes}
        self.images.append(Image(name, uuid, key, action, before, dict(changes)))

    def _encode(self, res: Resource, name: str, value: Any) -> Any:
        column = res.columns.get(name) or Column(name, Kind.OTHER)
        return encoder(column, self.dialect)(value)


def _is_true(value: Any) -> bool:
    return value is True or value == 1 or (isinstance(value, str) and value.upper() == "T")


def _true_for(column: sa.Column) -> Any:
    return "T" if isinstance(column.type, sa.String) else True


def full_resource(
    conn: sa.Connection, mapping: Mapping, name: str, res: Resource | None
) -> Resource:
    """`res` with every column of its table, or a resource for a table the schema leaves
    out (a super-entity table): what a revert of this module's writes needs to address."""
    table = sa.Table(name, sa.MetaData(), autoload_with=conn)
    columns = {c.name: column_of(name, c, mapping, conn.dialect.name) for c in table.columns}
    if res is not None:
        return replace(res, columns={**columns, **res.columns})
    pk = next(iter(table.primary_key.columns)).name
    return Resource(name=name, pk=pk, columns=columns, meta=mapping.meta)
