"""Commit a plan into THIS in one transaction, or dry-run it (docs/semantics.md, Commit).

The dry run takes exactly the commit path and rolls back; it runs each vector inside a
SAVEPOINT so that every database error can be reported against its vector and field.
A real commit stops at the first error, rolls back, and re-runs as a dry run to name
all of them: nothing is ever half-written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from core.creation import Creation, insert_table
from core.deletion import Deleter
from core.journal import Image, write_entry
from core.plan import Plan
from core.policy import skipped_deletions
from core.progress import Progress
from core.schema import Resource
from core.sources.sql import SqlDataset, raw_table
from core.staleness import StaleError, check_stale
from core.values import encoder
from core.vectors import Vector, changed_fields, later
from core.vocabulary import Action

__all__ = ["CommitError", "CommitProblem", "CommitReport", "StaleError", "commit_plan"]


@dataclass(frozen=True, slots=True)
class CommitProblem:
    """A database error (or unwritable value) pinned to its vector and field."""

    resource: str
    uuid: str
    field: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.resource} {self.uuid}" + (f" field {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class CommitError(Exception):
    """The database refused part of the commit; nothing was written."""

    def __init__(self, problems: list[CommitProblem]) -> None:
        self.problems = problems
        super().__init__(
            f"commit refused, nothing written: {len(problems)} problem(s): "
            + "; ".join(str(p) for p in problems[:10])
        )


@dataclass
class CommitReport:
    dry_run: bool
    counts: Counter[str] = field(default_factory=Counter)
    per_resource: dict[str, Counter[str]] = field(default_factory=dict)
    problems: list[CommitProblem] = field(default_factory=list)
    not_applied: list[tuple[str, str, str, str]] = field(default_factory=list)
    journal_id: int | None = None
    skipped_deletions: int = 0  # deletions the strategy did not allow
    images: list[Image] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def commit_plan(
    plan: Plan,
    this: SqlDataset,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    note: str | None = None,
    as_user: int | None = None,
) -> CommitReport:
    """Write every create/update/delete of the plan in one transaction (or roll back).

    `as_user`: the auth_user id created records are written by (see core.creation)."""
    report = _run(plan, this, dry_run=dry_run, progress=progress, note=note, as_user=as_user)
    if report.problems and not dry_run:
        raise CommitError(report.problems)
    return report


def _run(
    plan: Plan,
    this: SqlDataset,
    *,
    dry_run: bool,
    progress: Progress | None,
    note: str | None,
    capture: bool | None = None,
    as_user: int | None = None,
) -> CommitReport:
    capture = dry_run if capture is None else capture
    writes = _ordered_writes(plan)
    report = CommitReport(dry_run=dry_run)
    report.not_applied = [
        (v.resource, v.uuid, v.action.value, v.reason)
        for v in plan.vectors
        if v.action in (Action.SKIP, Action.ERROR)
    ]
    report.skipped_deletions = skipped_deletions(plan.vectors)
    progress = progress or Progress()
    with this.engine.connect() as conn:
        transaction = conn.begin()
        try:
            before = check_stale(conn, plan, this, writes)
            progress.set_total(len(writes), "writing")
            writer = _Writer(conn, plan, this, before, capture, as_user)
            for vector in writes:
                writer.write(vector)
                progress.advance()
            writer.fix_up()
            if writer.problems and not capture:
                # Stop at the first error, then name them all in a rolled-back rerun.
                transaction.rollback()
                return _run(
                    plan,
                    this,
                    dry_run=dry_run,
                    progress=None,
                    note=note,
                    capture=True,
                    as_user=as_user,
                )
            report.problems = writer.problems
            report.images = writer.images
            # What the vectors did; what a deletion brought along (core.deletion) is per resource.
            report.counts = Counter(i.action for i in writer.images if i.action in _VECTOR_ACTIONS)
            for image in writer.images:
                report.per_resource.setdefault(image.resource, Counter())[image.action] += 1
            if not report.problems:
                report.journal_id = write_entry(
                    conn,
                    this_source=plan.this_source,
                    other_source=plan.other_source,
                    policy=plan.policy_name,
                    counts=dict(report.counts),
                    images=writer.images,
                    note=note,
                )
            if dry_run or report.problems:
                transaction.rollback()
            else:
                transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
    return report


def _ordered_writes(plan: Plan) -> list[Vector]:
    """Referenced and master resources first; within one, creates before the rest."""
    rank = {name: n for n, name in enumerate(plan.schema.order())}
    order = {Action.CREATE: 0, Action.UPDATE: 1, Action.DELETE: 2}
    return _created_targets_first(
        sorted(plan.writes, key=lambda v: (rank[v.resource], order[v.action]))
    )


def _created_targets_first(writes: list[Vector]) -> list[Vector]:
    """Move each record created by this commit ahead of the writes that reference it.

    The resource order cannot see inside one table: a chain of new locations through
    `parent` must be inserted root first, or a NOT NULL reference would be taken for a
    cycle. Only true cycles are left to NULL-then-fix-up. Iterative: chains may be long.
    """
    creating = {v.identity: v for v in writes if v.action is Action.CREATE}

    def targets(vector: Vector) -> Iterator[Vector]:
        written = (
            vector.other_values
            if vector.action is Action.CREATE
            else changed_fields(vector)
            if vector.action is Action.UPDATE
            else {}
        )
        for name, target in vector.references.items():
            uuid = written.get(name)
            found = creating.get((target, uuid)) if uuid is not None else None
            if found is not None:
                yield found
        if vector.parent in creating:
            yield creating[vector.parent]

    ordered: list[Vector] = []
    placed: set[tuple[str, str]] = set()
    for start in writes:
        if start.identity in placed:
            continue
        placed.add(start.identity)
        stack = [(start, targets(start))]
        while stack:
            vector, pending = stack[-1]
            target = next(pending, None)
            if target is None:
                stack.pop()
                ordered.append(vector)
            elif target.identity not in placed:
                placed.add(target.identity)
                stack.append((target, targets(target)))
    return ordered


_VECTOR_ACTIONS = ("create", "update", "delete")
_COLUMN_IN_MESSAGE = re.compile(r"\b(\w+)\.(\w+)\b")


class _Writer:
    """Writes vectors one by one and remembers the keys of what it created."""

    def __init__(
        self,
        conn: sa.Connection,
        plan: Plan,
        this: SqlDataset,
        before: dict[tuple[str, str], dict[str, Any]],
        capture: bool,
        as_user: int | None = None,
    ) -> None:
        self.conn, self.plan, self.this, self.before = conn, plan, this, before
        self.capture = capture
        self.schema = plan.schema
        self.created: dict[tuple[str, str], dict[str, Any]] = {}
        self.key_cache: dict[tuple[str, str, str], Any] = {}
        self.fixups: list[tuple[Vector, Any, str, tuple[str, str]]] = []
        self.pending: list[tuple[str, tuple[str, str]]] = []  # NULLed references of a create
        self.problems: list[CommitProblem] = []
        self.images: list[Image] = []
        self.tables = {name: raw_table(res) for name, res in self.schema.resources.items()}
        self.deleter = Deleter(conn, plan, this.dialect)
        self.creation = Creation(
            conn, this.mapping, this.dialect, as_user, self.schema.resources.values()
        )
        self.encoders = {
            name: {c.name: encoder(c, this.dialect) for c in res.columns.values()}
            for name, res in self.schema.resources.items()
        }

    def write(self, vector: Vector) -> None:
        if self.problems and not self.capture:
            return
        self.pending = []
        step = {
            Action.CREATE: self._create,
            Action.UPDATE: self._update,
            Action.DELETE: self._delete,
        }[vector.action]
        try:
            if self.capture:
                with self.conn.begin_nested():
                    step(vector)
            else:
                step(vector)
        except _Unwritable as exc:
            self.problems.append(
                CommitProblem(vector.resource, vector.uuid, exc.field, exc.message)
            )
        except DBAPIError as exc:
            self.problems.append(self._problem(vector, exc))

    # ----- the three actions
    def _create(self, vector: Vector) -> None:
        res = self.schema.resources[vector.resource]
        row = self._encoded(res, vector.other_values, vector, allow_fixup=True)
        meta = res.meta
        uuid = self.creation.spell_uuid(res, vector.uuid)
        for name, value in (
            (meta.uuid, uuid),
            (meta.modified_on, vector.other_modified),
            (meta.created_on, vector.other_created),
            (meta.deleted, False),
            (meta.mci, vector.other_mci),
        ):
            if res.has(name) and (value is not None or name == meta.deleted):
                row[name] = self.encoders[res.name][name](value)
        keys = self._super_keys(res, uuid)
        row.update(keys)
        row.update(self._link(res, vector))
        row = self.creation.complete(res, row)
        table = insert_table(res, row)
        key = self.conn.execute(sa.insert(table).values(row).returning(table.c[res.pk])).scalar()
        keys[res.pk] = key
        self.created[vector.identity] = {**row, **keys}
        self.fixups += [(vector, key, column, target) for column, target in self.pending]
        self.pending = []
        self.images.append(Image(res.name, vector.uuid, key, "create", None, dict(row)))

    def _update(self, vector: Vector) -> None:
        res = self.schema.resources[vector.resource]
        changes = self._encoded(res, changed_fields(vector), vector, allow_fixup=False)
        modified = later(vector.this_modified, vector.other_modified)
        if res.has(res.meta.modified_on) and modified is not None:
            changes[res.meta.modified_on] = self.encoders[res.name][res.meta.modified_on](modified)
        self._write_existing(res, vector, changes, "update")
        self.images += self.creation.touched(res, vector.this_key, vector.uuid)

    def _delete(self, vector: Vector) -> None:
        res = self.schema.resources[vector.resource]
        changes = {res.meta.deleted: self.encoders[res.name][res.meta.deleted](True)}
        modified = later(vector.this_modified, vector.other_modified)
        if res.has(res.meta.modified_on) and modified is not None:
            changes[res.meta.modified_on] = self.encoders[res.name][res.meta.modified_on](modified)
        self._write_existing(res, vector, changes, "delete")
        self.images += self.deleter.after_delete(res, vector.this_key, vector.uuid, modified)
        self.images += self.creation.touched(res, vector.this_key, vector.uuid)

    def _write_existing(
        self, res: Resource, vector: Vector, changes: dict[str, Any], action: str
    ) -> None:
        table = self.tables[res.name]
        self.conn.execute(
            sa.update(table).where(table.c[res.pk] == vector.this_key).values(changes)
        )
        before = self.before.get(vector.identity)
        self.images.append(
            Image(
                res.name,
                vector.uuid,
                vector.this_key,
                action,
                {k: before.get(k) for k in changes} if before else None,
                dict(changes),
            )
        )

    def fix_up(self) -> None:
        """Second half of a reference cycle: point the NULLed references at their targets."""
        for vector, key, column, target in self.fixups:
            res = self.schema.resources[vector.resource]
            ref = res.references[column]
            value = self._column_of(target, ref.target_key)
            if value is None:
                continue  # the target failed to insert: already reported
            table = self.tables[res.name]
            self.conn.execute(
                sa.update(table).where(table.c[res.pk] == key).values({column: value})
            )
            for image in self.images:
                if image.resource == res.name and image.key == key and image.after is not None:
                    image.after[column] = value

    # ----- values and keys
    def _encoded(
        self, res: Resource, values: dict[str, Any], vector: Vector, allow_fixup: bool
    ) -> dict[str, Any]:
        row: dict[str, Any] = {}
        encoders = self.encoders[res.name]
        for name, value in values.items():
            if name not in res.columns:
                continue
            ref = res.references.get(name)
            if ref is not None and value is not None:
                value = self._reference_key(res, vector, name, value, allow_fixup)
                row[name] = value
                continue
            try:
                row[name] = encoders[name](value)
            except (TypeError, ValueError, AttributeError) as exc:
                raise _Unwritable(name, f"cannot store {value!r}: {exc}") from None
        return row

    def _reference_key(
        self, res: Resource, vector: Vector, name: str, uuid: str, allow_fixup: bool
    ) -> Any:
        ref = res.references[name]
        target = (ref.target, uuid)
        value = self._column_of(target, ref.target_key)
        if value is not None:
            return value
        target_vector = self.plan.get(*target)
        if allow_fixup and target_vector is not None and target_vector.action is Action.CREATE:
            if not res.columns[name].nullable:
                raise _Unwritable(
                    name,
                    f"reference cycle through NOT NULL column: "
                    f"{ref.target} {uuid} is not written yet",
                )
            self.pending.append((name, target))
            return None
        raise _Unwritable(name, f"{ref.target} {uuid} does not exist in THIS")

    def _link(self, res: Resource, vector: Vector) -> dict[str, Any]:
        if vector.parent is None or not res.links:
            return {}
        for link in res.links:
            if link.master == vector.parent[0]:
                value = self._column_of(vector.parent, link.master_key)
                if value is None:
                    raise _Unwritable(
                        link.link, f"master {vector.parent[0]} {vector.parent[1]} is not in THIS"
                    )
                return {link.link: value}
        raise _Unwritable(None, f"{res.name} is not a component of {vector.parent[0]}")

    def _column_of(self, identity: tuple[str, str], column: str) -> Any:
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
        if cache_key not in self.key_cache:
            table = self.tables[res.name]
            self.key_cache[cache_key] = self.conn.execute(
                sa.select(table.c[column]).where(table.c[res.pk] == key)
            ).scalar()
        return self.key_cache[cache_key]

    def _super_keys(self, res: Resource, uuid: str) -> dict[str, Any]:
        keys: dict[str, Any] = {}
        for sk in res.super_keys:
            table = sa.Table(sk.table, sa.MetaData(), autoload_with=self.conn)
            row: dict[str, Any] = {}
            if "uuid" in table.c:
                row["uuid"] = uuid
            if "instance_type" in table.c:
                row["instance_type"] = res.name
            if "deleted" in table.c:
                row["deleted"] = "F" if isinstance(table.c.deleted.type, sa.String) else False
            plain = sa.table(sk.table, *(sa.column(c) for c in [sk.key, *row]))
            keys[sk.column] = self.conn.execute(
                sa.insert(plain).values(row).returning(plain.c[sk.key])
            ).scalar()
        return keys

    def _problem(self, vector: Vector, exc: DBAPIError) -> CommitProblem:
        message = str(exc.orig).splitlines()[0] if exc.orig else str(exc)
        return CommitProblem(
            vector.resource,
            vector.uuid,
            _field_in(exc, self.schema.resources[vector.resource]),
            message,
        )


def _field_in(exc: DBAPIError, res: Resource) -> str | None:
    diag = getattr(exc.orig, "diag", None)
    column = getattr(diag, "column_name", None)
    if column:
        return column
    message = str(exc.orig)
    for table, name in _COLUMN_IN_MESSAGE.findall(message):
        if table == res.name and name in res.columns:
            return name
    return next((name for name in res.columns if re.search(rf"\b{name}\b", message)), None)


class _Unwritable(Exception):
    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message
