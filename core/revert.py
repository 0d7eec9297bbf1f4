"""Revert a journaled commit (docs/semantics.md, Journal and revert): write its before-images back
in one transaction.

- An updated or deleted record gets the before values of every column the commit wrote,
  except `modified_on`, which becomes *now* (never earlier than what is stored): a revert
  is a new change, and a later export must carry the restored values to peers.
- A created record cannot be un-created without losing the fact that it existed: it is
  marked `deleted=true` (and `modified_on` now) when its resource has a `deleted` column,
  and its row is removed otherwise. Super-entity rows created with it are left in place.
- Before anything is written, every touched record is locked (PostgreSQL `FOR UPDATE`,
  SQLite's write lock from `BEGIN IMMEDIATE`), re-read and compared with the
  commit's after-image (the columns the commit wrote, `modified_on` among them); if any
  of them changed since, or the row disappeared, the revert is refused, naming the
  records, and nothing is written. Columns the commit did not write are never touched.
- The revert is itself a journal entry (policy `revert`, note `revert of commit N`), so it
  can be inspected and reverted in turn.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from core.batching import KEYS_PER_LOOKUP, chunks
from core.deletion import full_resource
from core.journal import Entry, Image, entries, entry, images, write_entry
from core.schema import Resource
from core.sources.raw_table import raw_table
from core.sources.sql import SqlDataset
from core.timestamps import to_utc
from core.values import converter, encoder
from core.vectors import later as later_of

_NOTE = "revert of commit {}"


class RevertError(ValueError):
    """The revert cannot start: unknown journal entry or resource; nothing written."""


class RevertRefused(Exception):
    """Records the commit touched changed since; nothing was written."""

    def __init__(self, journal_id: int, records: list[str]) -> None:
        self.records = records
        super().__init__(
            f"revert of commit {journal_id} refused: {len(records)} record(s) "
            "changed since that commit: " + "; ".join(records[:10])
        )


@dataclass
class RevertReport:
    reverted: int
    journal_id: int
    counts: Counter[str] = field(default_factory=Counter)


def journal_entries(this: SqlDataset) -> list[Entry]:
    """The commits journaled in THIS, oldest first."""
    with this.engine.connect() as conn:
        return entries(conn)


def revert_commit(this: SqlDataset, journal_id: int) -> RevertReport:
    """Restore the before-images of commit `journal_id` in one transaction, journaled."""
    with this.engine.connect() as conn:
        if this.dialect == "sqlite":
            conn.execution_options(truce_write_lock=True)  # BEGIN IMMEDIATE
        with conn.begin():
            return _revert(conn, this, journal_id)


def _revert(conn: sa.Connection, this: SqlDataset, journal_id: int) -> RevertReport:
    original = entry(conn, journal_id)
    if original is None:
        raise RevertError(
            f"{this.label}: no commit {journal_id} in the journal (see `truce journal`)"
        )
    _refuse_twice(conn, journal_id)
    touched = images(conn, journal_id)
    resources = {i.resource: _resource(this, conn, i.resource) for i in touched}
    current = _current_rows(conn, resources, touched)
    changed = [
        _describe(i)
        for i in touched
        if not _unchanged_since(resources[i.resource], current.get((i.resource, i.key)), i)
    ]
    if changed:
        raise RevertRefused(journal_id, changed)
    restorer = _Restorer(conn, this)
    for image in reversed(touched):  # components before masters, fix-ups first
        restorer.restore(
            resources[image.resource], image, current.get((image.resource, image.key), {})
        )
    counts = Counter(i.action for i in restorer.images)
    new_id = write_entry(
        conn,
        this_source=this.label,
        other_source=f"journal {journal_id}",
        policy="revert",
        counts=dict(counts),
        images=restorer.images,
        note=_NOTE.format(journal_id),
    )
    return RevertReport(reverted=journal_id, journal_id=new_id, counts=counts)


def _refuse_twice(conn: sa.Connection, journal_id: int) -> None:
    journal = entries(conn)
    by = _reverted_by(journal, journal_id)
    if by is not None:
        raise RevertError(f"commit {journal_id} was already reverted by commit {by}")


def _reverted_by(journal: list[Entry], journal_id: int) -> int | None:
    """The revert still in force that undid `journal_id` (a reverted revert does not count)."""
    for later in journal:
        if (
            later.policy == "revert"
            and later.note == _NOTE.format(journal_id)
            and _reverted_by(journal, later.id) is None
        ):
            return later.id
    return None


def _resource(this: SqlDataset, conn: sa.Connection, name: str) -> Resource:
    # Names from the journal are only ever matched against the reflected database. A
    # deletion also writes columns the schema ignores and super-entity tables it leaves
    # out (core.deletion): those are addressed through the table in full.
    res = this.schema.resources.get(name)
    if res is not None or name in sa.inspect(conn).get_table_names():
        res = full_resource(conn, this.mapping, name, res)
    if res is None or res.pk is None:
        raise RevertError(
            f"{this.label}: the journal names resource {name!r}, which THIS "
            "no longer has (with a primary key)"
        )
    return res


def _pk(res: Resource) -> str:
    assert res.pk is not None  # checked by _resource
    return res.pk


def _current_rows(
    conn: sa.Connection, resources: dict[str, Resource], touched: list[Image]
) -> dict[tuple[str, Any], dict[str, Any]]:
    keys: dict[str, list[Any]] = defaultdict(list)
    for image in touched:
        keys[image.resource].append(image.key)
    rows: dict[tuple[str, Any], dict[str, Any]] = {}
    for name, wanted in keys.items():
        res = resources[name]
        table = raw_table(res)
        for batch in chunks(wanted, KEYS_PER_LOOKUP):
            stmt = sa.select(table).where(table.c[_pk(res)].in_(batch))
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update()
            for row in conn.execute(stmt).mappings():
                rows[(name, row[_pk(res)])] = dict(row)
    return rows


def _unchanged_since(res: Resource, row: dict[str, Any] | None, image: Image) -> bool:
    if image.action == "remove":
        return row is None  # still absent
    if row is None:
        return False
    after = image.after or {}
    return all(name in row and _same(res, name, row[name], value) for name, value in after.items())


def _same(res: Resource, name: str, stored: Any, imaged: Any) -> bool:
    """Equal as the column types them (SQLite hands a date back as text, for one)."""
    if stored == imaged:
        return True
    if isinstance(stored, str) and isinstance(imaged, str) and stored.rstrip() == imaged.rstrip():
        return True  # a server pads CHAR(n) (Eden's deleted_fk CHAR(512)) with blanks
    column = res.columns.get(name)
    if column is None:
        return False
    typed = converter(column)
    try:
        return bool(typed(stored) == typed(imaged))
    except (ValueError, TypeError):
        return False


def _describe(image: Image) -> str:
    return f"{image.resource} {image.uuid} ({image.action} in that commit)"


class _Restorer:
    """Writes before-images back and keeps the images of what it wrote."""

    def __init__(self, conn: sa.Connection, this: SqlDataset) -> None:
        self.conn, self.this = conn, this
        self.images: list[Image] = []

    def restore(self, res: Resource, image: Image, row: dict[str, Any]) -> None:
        table = raw_table(res)
        where = table.c[_pk(res)] == image.key
        if image.action == "remove":  # a revert's own removal: put the row back
            self.conn.execute(sa.insert(table).values(image.before or {}))
            self.images.append(
                Image(res.name, image.uuid, image.key, "create", None, dict(image.before or {}))
            )
        elif image.action != "create":
            before = {**(image.before or {}), **self._modified_now(res, row)}
            self.conn.execute(sa.update(table).where(where).values(before))
            self.images.append(
                Image(
                    res.name,
                    image.uuid,
                    image.key,
                    "update",
                    {k: row.get(k) for k in before},
                    before,
                )
            )
        elif res.has(res.meta.deleted):
            deleted = {
                res.meta.deleted: encoder(res.columns[res.meta.deleted], self.this.dialect)(True),
                **self._modified_now(res, row),
            }
            self.conn.execute(sa.update(table).where(where).values(deleted))
            self.images.append(
                Image(
                    res.name,
                    image.uuid,
                    image.key,
                    "delete",
                    {k: row.get(k) for k in deleted},
                    deleted,
                )
            )
        else:
            self.conn.execute(sa.delete(table).where(where))
            self.images.append(Image(res.name, image.uuid, image.key, "remove", dict(row), None))

    def _modified_now(self, res: Resource, row: dict[str, Any]) -> dict[str, Any]:
        """`modified_on` = now, or what is stored if that is later (a clock behind)."""
        name = res.meta.modified_on
        column = res.columns.get(name)
        if column is None:
            return {}
        try:
            stored = converter(column)(row.get(name))
        except ValueError:
            stored = None
        stamp = later_of(datetime.now(UTC), None if stored is None else to_utc(stored))
        return {name: encoder(column, self.this.dialect)(stamp)}
