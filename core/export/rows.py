"""The selected records' rows, read in the order they are written (docs/semantics.md,
Exports).

Rows are read by primary key in batches, without joins: the reference and master uuids
come from the scan (`Entry.uuids`), which read them in one joined query per table. A
join per batch would scan the master table for every batch when the link column has no
index (Eden's `pr_person.pe_id`), which made the export quadratic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from core.batching import KEYS_PER_LOOKUP, chunks
from core.export.selection import Entry
from core.progress import Progress
from core.records import Record
from core.sources.sql import SqlDataset

Row = tuple[Entry, Any, bool]  # entry, plain row (pk, uuid, 4 meta, fields), nested


def rows(dataset: SqlDataset, top: list[Entry], progress: Progress) -> Iterator[Row]:
    """(entry, plain row, nested) in writing order: each top-level record right before
    its components."""
    progress.set_total(len(top), "writing")
    with dataset.engine.connect() as conn:
        for batch in chunks(top, KEYS_PER_LOOKUP):
            wanted: dict[str, list[Any]] = defaultdict(list)
            for entry in batch:
                for item in (entry, *entry.components):
                    wanted[item.resource].append(item.key)
            fetched = {name: dataset.plain_rows(name, keys, conn) for name, keys in wanted.items()}
            for entry in batch:
                yield entry, fetched[entry.resource][entry.key], False
                for item in entry.components:
                    yield item, fetched[item.resource][item.key], True
                progress.advance()


class Typing:
    """Records as `SqlDataset.fetch` types them, from plain rows and the scan's uuids."""

    def __init__(self, dataset: SqlDataset) -> None:
        self.dataset = dataset
        self.shapes = {name: dataset.row_shape(name) for name in dataset.schema.resources}

    def record(self, entry: Entry, row: Any) -> tuple[Record, dict[str, Any] | None]:
        """The typed record, and its raw values by column when some value failed to type
        (those are written as stored)."""
        shape = self.shapes[entry.resource]
        record = self.dataset.record(entry.resource, (*row, *entry.uuids), shape)
        return record, (self.raw(entry.resource, row) if record.problems else None)

    def raw(self, resource: str, row: Any) -> dict[str, Any]:
        res = self.dataset.schema.resources[resource]
        meta = res.meta
        names = (res.pk, meta.uuid, meta.modified_on, meta.created_on, meta.deleted, meta.mci)
        found = {name: value for name, value in zip(names, row[:6], strict=True) if res.has(name)}
        found[res.pk] = row[0]
        found.update(zip(self.shapes[resource].fields, row[6:], strict=True))
        return found
