"""Match OTHER's records to THIS's by identity and compute their vectors (docs/semantics.md,
Matching and Vectors).

OTHER is streamed; THIS is held only as a uuid → key index per resource, and the THIS
rows that OTHER's records match are fetched in batches by key. Records that are the
same on both sides leave nothing but a compact `Unchanged` row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any, Protocol

from core.batching import KEYS_PER_LOOKUP
from core.plan import Plan, Unchanged
from core.policy import FALLBACK, Policy
from core.progress import Progress
from core.records import Problem, Record, label_for
from core.schema import Schema
from core.sources.sql import SqlDataset
from core.vectors import Vector
from core.vocabulary import Method


class Source(Protocol):
    """Anything OTHER can be read from: a database or an exchange file."""

    label: str

    def estimate(self, typing: Schema) -> int:
        """How many records `records` will yield, or 0 when unknown."""

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        """Every record, typed by `typing`; unknown resources and fields left out."""

    def unknown_columns(self, typing: Schema) -> list[str]:
        """Warnings naming resources and fields THIS has no place for."""


def build_plan(
    this: SqlDataset, other: Source, policy: Policy = FALLBACK, progress: Progress | None = None
) -> Plan:
    """Compute every vector of the pair, run the policy and derive the actions."""
    progress = progress or Progress()
    builder = _Builder(this)
    progress.set_total(other.estimate(this.schema), "reading OTHER")
    for record in other.records(this.schema, progress):
        builder.add(record)
    builder.flush()
    vectors, unchanged = builder.finish()
    builder.warnings[:0] = other.unknown_columns(this.schema)
    progress.set_total(len(vectors), "applying policy")
    policy.apply(vectors)
    return Plan(
        schema=this.schema,
        this_source=this.label,
        other_source=other.label,
        vectors=vectors,
        unchanged=unchanged,
        this_index=builder.index,
        policy_name=policy.name,
        warnings=this.schema.warnings + builder.warnings,
    )


class _Builder:
    def __init__(self, this: SqlDataset) -> None:
        self.this = this
        self.index: dict[str, dict[str, Any]] = {}
        self.this_duplicates: dict[str, dict[str, str]] = {}
        for name in this.schema.resources:
            self.index[name], self.this_duplicates[name] = this.index(name)
        self.vectors: list[Vector] = []
        self.unchanged: list[Unchanged] = []
        self.warnings: list[str] = []
        self.seen: dict[tuple[str, str], str] = {}
        self.duplicates: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.pending: dict[str, list[Record]] = defaultdict(list)
        # One shared, read-only field → target map per resource, not one per vector.
        self.references = {
            name: {f: ref.target for f, ref in res.references.items()}
            for name, res in this.schema.resources.items()
        }

    def add(self, record: Record) -> None:
        if record.uuid is None:
            self.vectors.append(_vector(record, Method.CREATE, uuid=f"(no uuid: {record.place})"))
            return
        identity = (record.resource, record.uuid)
        if identity in self.seen:
            self.duplicates[identity].append(record.place)
            return
        self.seen[identity] = record.place
        duplicate_in_this = self.this_duplicates[record.resource].get(record.uuid)
        if duplicate_in_this:
            vector = _vector(record, Method.UPDATE)
            vector.problems.append(Problem(None, duplicate_in_this))
            self.vectors.append(vector)
            return
        key = self.index[record.resource].get(record.uuid)
        if key is None:
            self._add_new(record)
            return
        record.key = key
        batch = self.pending[record.resource]
        batch.append(record)
        if len(batch) >= KEYS_PER_LOOKUP:
            self._compare_batch(record.resource, batch)
            batch.clear()

    def flush(self) -> None:
        for resource, batch in self.pending.items():
            self._compare_batch(resource, batch)
        self.pending.clear()

    def _add_new(self, record: Record) -> None:
        if record.deleted and not record.problems:
            self.unchanged.append(_unchanged(record, None, "deleted in OTHER, THIS never had it"))
            return
        self.vectors.append(_vector(record, Method.CREATE))

    def _compare_batch(self, resource: str, batch: list[Record]) -> None:
        rows = self.this.fetch(resource, [r.key for r in batch])
        deleted_column = self.this.schema.resources[resource].meta.deleted
        for record in batch:
            this_record, fingerprint = rows[record.key]
            result = _compare(record, this_record, deleted_column)
            if isinstance(result, Unchanged):
                self.unchanged.append(result)
                continue
            result.this_fingerprint = fingerprint
            self.vectors.append(result)

    def finish(self) -> tuple[list[Vector], list[Unchanged]]:
        for vector in self.vectors:
            vector.references = self.references.get(vector.resource, {})
        if self.duplicates:
            self._mark_duplicates()
        self._promote_masters()
        return self.vectors, self.unchanged

    def _mark_duplicates(self) -> None:
        # The first record with a duplicated identity was already planned: replace it
        # (vector or unchanged row) by one error vector that names every place.
        doubled = set(self.duplicates)
        self.vectors = [v for v in self.vectors if v.identity not in doubled]
        self.unchanged = [u for u in self.unchanged if (u.resource, u.uuid) not in doubled]
        for (resource, uuid), places in self.duplicates.items():
            all_places = [self.seen[(resource, uuid)], *places]
            vector = Vector(
                resource=resource,
                uuid=uuid,
                method=Method.UPDATE,
                label="",
                place=all_places[0],
                other_values={},
            )
            vector.problems.append(
                Problem(
                    None,
                    "the same identity appears more than once in OTHER: " + "; ".join(all_places),
                )
            )
            self.vectors.append(vector)

    def _promote_masters(self) -> None:
        """Masters that are unchanged themselves but have changed components get a vector."""
        have = {v.identity for v in self.vectors}
        wanted = {v.parent for v in self.vectors if v.parent and v.parent not in have}
        if not wanted:
            return
        kept: list[Unchanged] = []
        for row in self.unchanged:
            # Only a master THIS has can be updated; one deleted in OTHER that THIS never
            # had stays a no-op, and the plan skips its new components.
            if (row.resource, row.uuid) in wanted and row.uuid in self.index[row.resource]:
                self.vectors.append(
                    Vector(
                        resource=row.resource,
                        uuid=row.uuid,
                        method=Method.UPDATE,
                        label=row.label,
                        place="",
                        other_values={},
                        this_modified=row.this_modified,
                        other_modified=row.other_modified,
                    )
                )
            else:
                kept.append(row)
        self.unchanged = kept


def _vector(record: Record, method: Method, uuid: str | None = None) -> Vector:
    return Vector(
        resource=record.resource,
        uuid=uuid or record.uuid or "",
        method=method,
        label=label_for(record.values),
        place=record.place,
        other_values=dict(record.values),
        other_modified=record.modified_on,
        other_created=record.created_on,
        other_mci=record.mci,
        parent=record.master,
        problems=list(record.problems),
        dangling=dict(record.dangling),
    )


def _unchanged(record: Record, this: Record | None, note: str) -> Unchanged:
    return Unchanged(
        record.resource,
        record.uuid or "",
        label_for(record.values),
        this.modified_on if this else None,
        record.modified_on,
        record.master,
        note,
    )


def _compare(record: Record, this: Record, deleted_column: str) -> Vector | Unchanged:
    """The vector of an OTHER record whose identity THIS has (docs/semantics.md, Vectors:
    method)."""
    if record.deleted:
        if this.deleted:
            return _unchanged(record, this, "deleted on both sides")
        method = Method.DELETE
    else:
        method = Method.UPDATE
    other_values = dict(record.values)
    this_values = {name: this.values.get(name) for name in other_values}
    if this.deleted and not record.deleted:
        # Restoring a record THIS deleted is a field decision like any other.
        other_values[deleted_column] = False
        this_values[deleted_column] = True
    differing = tuple(n for n, v in other_values.items() if v != this_values[n])
    problems = list(record.problems) + [
        Problem(p.field, f"THIS: {p.message}") for p in this.problems
    ]
    if method is Method.UPDATE and not differing and not problems:
        return _unchanged(record, this, "")
    vector = _vector(record, method)
    vector.other_values = other_values
    vector.this_values = this_values
    vector.differing = differing
    vector.this_modified = this.modified_on
    vector.this_key = this.key
    vector.this_place = this.place
    vector.problems = problems
    vector.label = label_for(other_values) or label_for(this_values)
    return vector
