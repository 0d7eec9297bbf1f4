"""Match OTHER's records to THIS's by identity and compute their vectors (docs/semantics.md,
Matching and Vectors).

OTHER is streamed; THIS is held only as a uuid → key index per resource, and the THIS
rows that OTHER's records match are fetched in batches by key. Records that are the
same on both sides leave nothing but a compact `Unchanged` row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from core.batching import KEYS_PER_LOOKUP
from core.compare_raw import RawCompare
from core.compare_sqlite import CANDIDATE, SqliteJoin
from core.gcpause import paused_gc
from core.plan import Plan
from core.policy import FALLBACK, Policy
from core.progress import Progress
from core.records import Problem, Record, label_for
from core.schema import Schema
from core.sources.key_lookup import KeyLookup
from core.sources.raw import RawRecord
from core.sources.sql import SqlDataset
from core.this_masters import MasterUuids
from core.this_rows import ThisRows
from core.unchanged import (
    ThisReader,
    Unchanged,
    UnchangedBuilder,
    UnchangedSet,
    to_micros,
)
from core.values import held_once
from core.vectors import Vector
from core.vocabulary import Method

_STREAM = 5000  # vectors per chunk a window may list while the plan is being built


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
    this: SqlDataset,
    other: Source,
    policy: Policy = FALLBACK,
    progress: Progress | None = None,
    *,
    fast: bool = True,
) -> Plan:
    """Compute every vector of the pair, run the policy and derive the actions.

    With `fast`, two SQLite files are compared where the data is (core/compare_sqlite.py),
    and otherwise THIS's rows are typed only when their raw values are not surely OTHER's
    (core/compare_raw.py); `fast=False` is the straightforward path, which every fast path
    must agree with."""
    with paused_gc():
        return _build_plan(this, other, policy, progress or Progress(), fast)


def _build_plan(
    this: SqlDataset, other: Source, policy: Policy, progress: Progress, fast: bool
) -> Plan:
    builder = _Builder(this, fast)
    progress.set_total(other.estimate(this.schema), "reading OTHER")
    streamer = _Streamer(builder, progress)
    join = SqliteJoin.open(this, other) if fast else None
    raws = getattr(other, "raw_records", None) if fast and join is None else None
    raws = raws(this.schema, progress) if raws is not None else None
    if join is None:
        for name in this.schema.resources:
            builder.use_index(name)
        for record in raws if raws is not None else other.records(this.schema, progress):
            builder.add(record)
            streamer.poll()
        if raws is not None and getattr(other, "unsure", None):
            builder.settle_repeats(other.repeats(this.schema, other.unsure))  # type: ignore[attr-defined]
    else:
        with join:
            for name in this.schema.order():
                pairs = join.pairs(name)
                if pairs is None:
                    builder.use_index(name)
                    for record in join.other.resource_records(name, this.schema, progress):
                        builder.add(record)
                        streamer.poll()
                else:
                    builder.use_lookup(name, KeyLookup(this, name, join.spelling(name)))
                    joined(builder, join, name, pairs, progress)
                streamer.poll()
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


def joined(
    builder: _Builder,
    join: SqliteJoin,
    resource: str,
    pairs: Iterable[list[tuple[Any, Any, int, int]]],
    progress: Progress,
) -> None:
    """Plan one resource from the in-SQLite join: only candidates and new rows are typed."""
    candidates: list[tuple[Any, Any]] = []
    new: list[Any] = []
    unchanged = builder.unchanged
    for rows in pairs:
        before = progress.done
        progress.advance(len(rows))
        if progress.done >> 10 != before >> 10:  # advance() alone notifies per 1024 exactly
            progress.changed()
        # Most rows are unchanged: they go to the arrays in bulk, without a call per row.
        same = [row for row in rows if row[3] != CANDIDATE and row[0] is not None]
        if same:
            this_keys, _other_keys, other_micros, verdicts = zip(*same, strict=True)
            unchanged.add_many(resource, this_keys, other_micros, verdicts)
        if len(same) < len(rows):
            for this_key, other_key, _micros, verdict in rows:
                if this_key is None:
                    new.append(other_key)
                elif verdict == CANDIDATE:
                    candidates.append((other_key, this_key))
    # One read of OTHER's rows for both: a component's master is joined by a column no
    # index covers, and SQLite builds an automatic index for that once per query.
    keys = candidates + [(other_key, None) for other_key in new]
    for record, this_side in join.rows(builder.this.schema).pairs(resource, keys):
        if this_side is None:
            builder.add_new(record)
        else:
            builder.compared(record, *this_side)


class _Streamer:
    """Hands the vectors computed so far to `progress.found`, a chunk at a time, so a
    window can list them while the plan is still being built."""

    def __init__(self, builder: _Builder, progress: Progress) -> None:
        self._builder, self._progress, self._sent = builder, progress, 0

    def poll(self) -> None:
        vectors = self._builder.vectors
        if len(vectors) - self._sent >= _STREAM:
            self._progress.found(vectors[self._sent :])
            self._sent = len(vectors)


class _Builder:
    def __init__(self, this: SqlDataset, fast: bool = True) -> None:
        self.this = this
        self.fast = fast
        self.raw_compare: dict[str, RawCompare] = {}
        self.this_rows = MasterUuids(this)
        # canonical uuid → THIS key per resource: a dict of the whole table, or a lookup in
        # THIS for the resources the SQLite join planned.
        self.index: dict[str, Any] = {}
        self.this_duplicates: dict[str, dict[str, str]] = {}
        self.vectors: list[Vector] = []
        self.unchanged = UnchangedBuilder()
        self.warnings: list[str] = []
        self.seen: dict[tuple[str, str], str] = {}
        self.duplicates: dict[tuple[str, str], list[str]] = defaultdict(list)
        # (THIS key, OTHER record) per resource, compared a batch at a time
        self.pending: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
        # One shared, read-only field → target map per resource, not one per vector.
        self.references = {
            name: {f: ref.target for f, ref in res.references.items()}
            for name, res in this.schema.resources.items()
        }

    def use_index(self, resource: str) -> None:
        self.index[resource], self.this_duplicates[resource] = self.this.index(resource)

    def use_lookup(self, resource: str, lookup: KeyLookup) -> None:
        self.index[resource], self.this_duplicates[resource] = lookup, {}

    def add_new(self, record: Record) -> None:
        """A record the join found no THIS row for (no index lookup needed)."""
        if record.uuid is not None:
            identity = (record.resource, record.uuid)
            if identity in self.seen:
                self.duplicates[identity].append(record.place)
                return
            self.seen[identity] = record.place
            self._add_new(record)
            return
        self.add(record)

    def add(self, item: Record | RawRecord) -> None:
        if isinstance(item, RawRecord):
            key = self._surely_matched(item)
            if key is not None:
                self.seen[(item.resource, item.uuid or "")] = item.place
                self._queue(item.resource, key, item)
                return
            item = item.typed()
        record = item
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
        self._queue(record.resource, key, record)

    def _queue(self, resource: str, key: Any, record: Record | RawRecord) -> None:
        batch = self.pending[resource]
        batch.append((key, record))
        if len(batch) >= KEYS_PER_LOOKUP:
            self._compare_batch(resource, batch)
            batch.clear()

    def flush(self) -> None:
        for resource, batch in self.pending.items():
            self._compare_batch(resource, batch)
        self.pending.clear()

    def _add_new(self, record: Record) -> None:
        if record.deleted and not record.problems:
            self.unchanged.held.append(
                _unchanged(record, None, "deleted in OTHER, THIS never had it")
            )
            return
        self.vectors.append(_vector(record, Method.CREATE))

    def _surely_matched(self, raw: RawRecord) -> Any:
        """THIS's key of a raw record that THIS has, once, and that is not a repeat in
        OTHER: only such a record may be decided raw (None: type it first)."""
        if raw.values is None or raw.uuid is None:
            return None
        if (raw.resource, raw.uuid) in self.seen or raw.uuid in self.this_duplicates[raw.resource]:
            return None
        return self.index[raw.resource].get(raw.uuid)

    def settle_repeats(self, repeats: dict[tuple[str, str], list[str]]) -> None:
        """Repeats read differently that may type the same: the places the typed reading
        passes on (core/sources/multi.py) replace the ones recorded."""
        for identity, places in repeats.items():
            if places:
                self.duplicates[identity] = places
            else:
                self.duplicates.pop(identity, None)

    def _compare_batch(self, resource: str, batch: list[tuple[Any, Any]]) -> None:
        if not self.fast:
            rows = self.this.fetch(resource, [key for key, _ in batch])
            for key, record in batch:
                record.key = key
                this_record, fingerprint = rows[key]
                self.compared(record, this_record, fingerprint)
            return
        # THIS's rows raw: only those not surely unchanged are typed.
        raw = self.raw_compare.get(resource)
        if raw is None:
            shape = self.this.row_shape(resource)
            raw = self.raw_compare[resource] = RawCompare(
                self.this.schema.resources[resource], shape
            )
        raw_rows = self.this_rows.fetch_rows(resource, [key for key, _ in batch], raw.shape)
        for key, record in batch:
            row = raw_rows[key]
            if type(record) is RawRecord:
                micros = raw.unchanged_raw(record, row)
                if micros is not None:
                    self.unchanged.add_keyed(resource, key, micros, 0)
                    continue
                record = record.typed()
            record.key = key
            if raw.unchanged(record, row):
                self.unchanged.add_keyed(resource, key, to_micros(record.modified_on), 0)
            else:
                self.compared(record, *self.this.typed_row(resource, row, raw.shape))

    def compared(self, record: Record, this_record: Record, fingerprint: bytes) -> None:
        """Decide one OTHER record against THIS's: a vector, or an unchanged row."""
        deleted_column = self.this.schema.resources[record.resource].meta.deleted
        result = _compare(record, this_record, deleted_column)
        if isinstance(result, Unchanged):
            self.unchanged.add(record, this_record, result.note)
            return
        result.this_fingerprint = fingerprint
        self.vectors.append(result)

    def finish(self) -> tuple[list[Vector], UnchangedSet]:
        for vector in self.vectors:
            vector.references = self.references.get(vector.resource, {})
        self._prefetch_keys()
        if self.duplicates:
            self._mark_duplicates()
        index = self.index
        unchanged = self.unchanged.build(
            self.this.schema.order(),
            this_reader(self.this),
            lambda resource, uuid: index.get(resource, {}).get(uuid),
        )
        self._promote_masters(unchanged)
        return self.vectors, unchanged

    def _prefetch_keys(self) -> None:
        """Ask THIS at once for every key the plan will look up (masters and reference
        targets of the vectors), where the index is a lookup rather than a dict."""
        wanted: dict[str, set[str]] = defaultdict(set)
        for vector in self.vectors:
            if vector.parent is not None:
                wanted[vector.parent[0]].add(vector.parent[1])
            for name, target in vector.references.items():
                for values in (vector.other_values, vector.this_values):
                    uuid = values.get(name)
                    if isinstance(uuid, str):
                        wanted[target].add(uuid)
        for resource, uuids in wanted.items():
            lookup = self.index.get(resource)
            if isinstance(lookup, KeyLookup):
                lookup.prefetch(uuids)

    def _mark_duplicates(self) -> None:
        # The first record with a duplicated identity was already planned: replace it
        # (vector or unchanged row) by one error vector that names every place.
        doubled = set(self.duplicates)
        self.vectors = [v for v in self.vectors if v.identity not in doubled]
        self.unchanged.discard(doubled, self.index)
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

    def _promote_masters(self, unchanged: UnchangedSet) -> None:
        """Masters that are unchanged themselves but have changed components get a vector."""
        have = {v.identity for v in self.vectors}
        wanted: dict[str, set[Any]] = defaultdict(set)
        for vector in self.vectors:
            if vector.parent and vector.parent not in have:
                resource, uuid = vector.parent
                # Only a master THIS has can be updated; one deleted in OTHER that THIS
                # never had stays a no-op, and the plan skips its new components.
                key = unchanged.key_of(resource, uuid)
                if key is not None:
                    wanted[resource].add(key)
        for resource, keys in wanted.items():
            for row in unchanged.remove(resource, keys):
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
                        references=self.references.get(row.resource, {}),
                    )
                )


def this_reader(this: SqlDataset) -> ThisReader:
    """Reads the rows of an `UnchangedSet` from THIS: by pages, or in one scan."""
    return ThisRows(this)


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
    # A value both sides hold alike is kept once (most fields of a vector do not differ).
    this_values = {name: held_once(this.values.get(name), v) for name, v in other_values.items()}
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
    return Vector(
        resource=record.resource,
        uuid=record.uuid or "",
        method=method,
        label=label_for(other_values) or label_for(this_values),
        place=record.place,
        other_values=other_values,
        this_values=this_values,
        differing=differing,
        this_modified=this.modified_on,
        other_modified=record.modified_on,
        other_created=record.created_on,
        other_mci=record.mci,
        parent=record.master,
        this_key=this.key,
        this_place=this.place,
        problems=problems,
        dangling=dict(record.dangling),
    )
