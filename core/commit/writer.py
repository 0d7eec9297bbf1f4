"""Sends a commit's writes: one `executemany` per (group, column set), in batches.

Two modes share every step. The commit mode sends whole batches and stops at the first
error: the caller rolls the whole transaction back. The naming mode (a dry run, or the
rerun that names the problems of a refused commit; always rolled back) sends row by row,
each in a SAVEPOINT, so each database error is pinned to its vector and field — but only
errors about a row's own values, and only while the database still holds the
transaction; anything else ends the whole run (see `problems.in_transaction`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from core.batching import ROWS_PER_WRITE, Prepared, chunks
from core.commit.order import Group, Written
from core.commit.problems import (
    CommitFailed,
    CommitProblem,
    Unwritable,
    field_in,
    in_transaction,
    names_a_record,
    short_message,
)
from core.commit.rows import Rows
from core.creation import Creation, insert_table
from core.deletion import Deleter
from core.identity import canonical_uuid
from core.journal import Image
from core.plan import Plan
from core.schema import Resource
from core.sources.sql import SqlDataset
from core.vectors import Vector, later
from core.vocabulary import Action

__all__ = ["Writer"]

_Pending = tuple[Vector, dict[str, Any]]


class Writer:
    """Writes groups of vectors and keeps the journal images of what it wrote."""

    def __init__(
        self,
        conn: sa.Connection,
        plan: Plan,
        this: SqlDataset,
        before: dict[tuple[str, str], dict[str, Any]],
        naming: bool,
        as_user: int | None = None,
        written: Written | None = None,
    ) -> None:
        self.conn, self.plan, self.before, self.naming = conn, plan, before, naming
        self.schema = plan.schema
        # The mapping's steps (Eden): what a created row gets, what a deletion brings along.
        self.creation = Creation(
            conn, this.mapping, this.dialect, as_user, plan.schema.resources.values()
        )
        self.deleter = Deleter(conn, plan, this.dialect)
        self.rows = Rows(conn, plan, this, self.creation, written)
        self.fixups: list[tuple[Vector, Any, str, tuple[str, str]]] = []
        self.problems: list[CommitProblem] = []
        self.images: list[Image] = []
        self._super_tables: dict[str, sa.Table] = {}

    @property
    def stopped(self) -> bool:
        """The commit mode stops at the first problem (the naming rerun finds them all)."""
        return bool(self.problems) and not self.naming

    def write(self, group: Group) -> None:
        if self.stopped:
            return
        res = self.schema.resources[group.resource]
        self.rows.prefetch_for(group.vectors)
        if group.action is Action.CREATE:
            self._create(res, group.vectors)
        else:
            build = self.rows.update_row if group.action is Action.UPDATE else self.rows.delete_row
            pending = self._built(group.vectors, lambda v: build(res, v))
            self._update(res, pending, group.action.value)

    # ----- creates
    def _create(self, res: Resource, vectors: list[Vector]) -> None:
        nulled: dict[int, list[tuple[str, tuple[str, str]]]] = {}

        def build(vector: Vector) -> dict[str, Any]:
            nulled[id(vector)] = []
            return self.rows.insert_row(res, vector, nulled[id(vector)])

        pending = self._built(vectors, build)
        if self.stopped:
            return
        for sk in res.super_keys:
            pending = self._insert_super(res, sk.table, sk.key, sk.column, pending)
        assert res.pk is not None
        # Every column any row sets (model defaults and audit columns may be outside the
        # resource's synced columns); each executemany takes one column set of them.
        table = insert_table(res, dict.fromkeys(k for _, row in pending for k in row))
        inserted = self._insert(table, res.pk, res.meta.uuid, pending)
        for vector, row, key in inserted:
            self.rows.created[vector.identity] = {**row, res.pk: key}
            self.fixups += [(vector, key, column, target) for column, target in nulled[id(vector)]]
            self.images.append(Image(res.name, vector.uuid, key, "create", None, dict(row)))

    def _insert_super(
        self, res: Resource, name: str, key: str, column: str, pending: list[_Pending]
    ) -> list[_Pending]:
        """Create the super-entity rows (Eden's pr_pentity…) and point the records at them."""
        table = self._super_table(name)
        base: dict[str, Any] = {}
        if "instance_type" in table.c:
            base["instance_type"] = res.name
        if "deleted" in table.c:
            base["deleted"] = "F" if isinstance(table.c.deleted.type, sa.String) else False
        rows = [  # the uuid as the record's own row spells it
            (
                vector,
                {
                    **base,
                    **({"uuid": row.get(res.meta.uuid, vector.uuid)} if "uuid" in table.c else {}),
                },
            )
            for vector, row in pending
        ]
        plain = sa.table(name, *(sa.column(c) for c in [col.name for col in table.c]))
        made = {id(v): value for v, _, value in self._insert(plain, key, "uuid", rows)}
        return [(v, {**row, column: made[id(v)]}) for v, row in pending if id(v) in made]

    def _super_table(self, name: str) -> sa.Table:
        # Super-entity tables are not resources; reflected once, their names come from
        # the mapping, never from a file.
        if name not in self._super_tables:
            self._super_tables[name] = sa.Table(name, sa.MetaData(), autoload_with=self.conn)
        return self._super_tables[name]

    # ----- updates and deletes
    def _update(self, res: Resource, pending: list[_Pending], action: str) -> None:
        if self.stopped:
            return
        table = self.rows.tables[res.name]
        assert res.pk is not None
        by_columns: dict[tuple[str, ...], list[_Pending]] = defaultdict(list)
        for vector, changes in pending:
            by_columns[tuple(sorted(changes))].append((vector, changes))
        for columns, items in by_columns.items():
            stmt = (
                sa.update(table)
                .where(table.c[res.pk] == sa.bindparam("truce_key"))
                .values({c: sa.bindparam(c) for c in columns})
            )
            params = [(v, {**changes, "truce_key": v.this_key}) for v, changes in items]
            for vector, sent, _ in self._send(stmt, params, returning=False, prepared=True):
                changes = {k: v for k, v in sent.items() if k != "truce_key"}
                before = self.before.get(vector.identity)
                self.images.append(
                    Image(
                        res.name,
                        vector.uuid,
                        vector.this_key,
                        action,
                        {k: before.get(k) for k in changes} if before else None,
                        changes,
                    )
                )
                self._after_write(res, vector, action)

    def _after_write(self, res: Resource, vector: Vector, action: str) -> None:
        """The mapping's step after a record is written: a deletion's cascade (components,
        super-entity rows, archived keys) and the acting user's audit stamp; journaled."""
        if action == "delete":
            modified = later(vector.this_modified, vector.other_modified)
            self.images += self.deleter.after_delete(res, vector.this_key, vector.uuid, modified)
        self.images += self.creation.touched(res, vector.this_key, vector.uuid)

    def fix_up(self) -> None:
        """Second half of a reference cycle: point the NULLed references at their targets."""
        if self.stopped or not self.fixups:
            return
        created_images = {
            (i.resource, i.key): i.after for i in self.images if i.action == "create" and i.after
        }
        for vector, key, column, target in self.fixups:
            res = self.schema.resources[vector.resource]
            value = self.rows.column_of(target, res.references[column].target_key)
            if value is None:
                continue  # the target failed to insert: already reported
            table = self.rows.tables[res.name]
            assert res.pk is not None
            stmt = sa.update(table).where(table.c[res.pk] == key).values({column: value})
            if not list(self._send(stmt, [(vector, {})], returning=False)):
                continue
            self.rows.created[vector.identity][column] = value
            after = created_images.get((res.name, key))
            if after is not None:
                after[column] = value

    def _insert(
        self, table: sa.TableClause, key: str, uuid: str, pending: list[_Pending]
    ) -> list[tuple[Vector, dict[str, Any], Any]]:
        """Insert rows, returning each one's new key. The keys come back matched by the
        uuid each row stores (RETURNING in parameter order costs SQLAlchemy a statement
        per row); a table without a uuid column is written row by row instead."""
        if uuid not in table.c or any(row.get(uuid) is None for _, row in pending):
            stmt = sa.insert(table).returning(table.c[key])
            done: list[tuple[Vector, dict[str, Any], Any]] = []
            for item in pending:
                done += self._send(stmt, [item], returning=True)
            return done
        stmt = sa.insert(table).returning(table.c[key], table.c[uuid])
        return self._send(stmt, pending, returning=True, match=uuid)

    # ----- building and sending
    def _built(
        self, vectors: list[Vector], build: Callable[[Vector], dict[str, Any]]
    ) -> list[_Pending]:
        built: list[_Pending] = []
        for vector in vectors:
            try:
                built.append((vector, build(vector)))
            except Unwritable as exc:
                self.problems.append(
                    CommitProblem(vector.resource, vector.uuid, exc.field, exc.message)
                )
                if self.stopped:
                    break
        return built

    def _send(
        self,
        stmt: Any,
        pending: Sequence[_Pending],
        *,
        returning: bool,
        match: str | None = None,
        prepared: bool = False,
    ) -> list[tuple[Vector, dict[str, Any], Any]]:
        """Execute `stmt` for every row; (vector, row, returned key) for each row written.
        With `match`, RETURNING gives (key, value of that column) in any order. `prepared`:
        every value is a bind the rows name, none is RETURNED (see `Prepared`)."""
        if self.naming:
            return [item for item in map(self._send_one(stmt, returning), pending) if item]
        if prepared:
            return self._send_prepared(Prepared(self.conn, stmt), pending)
        done: list[tuple[Vector, dict[str, Any], Any]] = []
        by_columns: dict[tuple[str, ...], list[_Pending]] = defaultdict(list)
        for item in pending:  # one executemany needs one column set
            by_columns[tuple(item[1])].append(item)
        for items in by_columns.values():
            for batch in chunks(items, ROWS_PER_WRITE):
                try:
                    result = self.conn.execute(stmt, [row for _, row in batch])
                except DBAPIError as exc:
                    self._failed(exc, batch[0][0])
                    return done
                done += _returned(result, batch, returning, match)
        return done

    def _send_prepared(
        self, sender: Prepared, pending: Sequence[_Pending]
    ) -> list[tuple[Vector, dict[str, Any], Any]]:
        done: list[tuple[Vector, dict[str, Any], Any]] = []
        for batch in chunks(pending, ROWS_PER_WRITE):
            try:
                sender.send(self.conn, [row for _, row in batch])
            except DBAPIError as exc:
                self._failed(exc, batch[0][0])
                return done
            done += [(v, row, None) for v, row in batch]
        return done

    def _send_one(
        self, stmt: Any, returning: bool
    ) -> Callable[[_Pending], tuple[Vector, dict[str, Any], Any] | None]:
        def send(item: _Pending) -> tuple[Vector, dict[str, Any], Any] | None:
            vector, row = item
            self._require_transaction(vector)
            savepoint = self.conn.begin_nested()
            try:
                result = self.conn.execute(stmt, row if row else None)
                key = result.scalar() if returning else None
            except DBAPIError as exc:
                if not (names_a_record(exc) and in_transaction(self.conn)):
                    raise self._fatal(exc, vector) from exc
                savepoint.rollback()
                self.problems.append(self._problem(vector, exc))
                return None
            savepoint.commit()
            return (vector, row, key)

        return send

    def _require_transaction(self, vector: Vector) -> None:
        if not in_transaction(self.conn):  # never let a SAVEPOINT open a transaction
            raise CommitFailed(
                CommitProblem(
                    "",
                    "",
                    None,
                    f"the database ended the transaction before {vector.resource} "
                    f"{vector.uuid} was written",
                )
            )

    def _failed(self, exc: DBAPIError, vector: Vector) -> None:
        if names_a_record(exc) and in_transaction(self.conn):
            self.problems.append(self._problem(vector, exc))  # named again by the rerun
            return
        raise self._fatal(exc, vector) from exc

    def _fatal(self, exc: DBAPIError, vector: Vector) -> CommitFailed:
        return CommitFailed(
            CommitProblem(
                "",
                "",
                None,
                f"{short_message(exc)} (while writing {vector.resource} {vector.uuid}; "
                "the whole transaction was rolled back)",
            )
        )

    def _problem(self, vector: Vector, exc: DBAPIError) -> CommitProblem:
        res = self.schema.resources[vector.resource]
        return CommitProblem(vector.resource, vector.uuid, field_in(exc, res), short_message(exc))


def _returned(
    result: sa.CursorResult[Any], batch: list[_Pending], returning: bool, match: str | None
) -> list[tuple[Vector, dict[str, Any], Any]]:
    if not returning:
        return [(v, row, None) for v, row in batch]
    if match is None:
        keys = result.scalars().all()
        return [(v, row, key) for (v, row), key in zip(batch, keys, strict=True)]
    returned: list[Any] = list(result)  # rows of (key, uuid)
    exact = {found[1]: found[0] for found in returned}
    if all(row[match] in exact for _, row in batch):  # the uuid comes back as sent
        return [(v, row, exact[row[match]]) for v, row in batch]
    # Compared as canonical uuids: a CHAR(128) column hands its value back blank-padded.
    by_value = {canonical_uuid(found[1]): found[0] for found in returned}
    return [(v, row, by_value[canonical_uuid(row[match])]) for v, row in batch]
