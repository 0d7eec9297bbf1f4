"""Collecting a plan: OTHER's records matched to THIS's rows and compared, in batches."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from core.batching import KEYS_PER_LOOKUP
from core.compare_raw import RawCompare
from core.record_compare import compare_records, new_vector, unchanged_row
from core.records import Problem, Record
from core.sources.key_lookup import KeyLookup
from core.sources.raw import RawRecord
from core.sources.sql import SqlDataset
from core.this_masters import MasterUuids
from core.this_rows import ThisRows
from core.unchanged import (
    ThisReader,
    Unchanged,
    UnchangedSet,
    to_micros,
)
from core.unchanged_builder import UnchangedBuilder
from core.vectors import Vector
from core.vocabulary import Method


class PlanBuilder:
    """Collects the vectors and unchanged rows of a plan as OTHER's records arrive."""

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
            self.vectors.append(
                new_vector(record, Method.CREATE, uuid=f"(no uuid: {record.place})")
            )
            return
        identity = (record.resource, record.uuid)
        if identity in self.seen:
            self.duplicates[identity].append(record.place)
            return
        self.seen[identity] = record.place
        duplicate_in_this = self.this_duplicates[record.resource].get(record.uuid)
        if duplicate_in_this:
            vector = new_vector(record, Method.UPDATE)
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
                unchanged_row(record, None, "deleted in OTHER, THIS never had it")
            )
            return
        self.vectors.append(new_vector(record, Method.CREATE))

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
        result = compare_records(record, this_record, deleted_column)
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
