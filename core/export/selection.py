"""Which records an msince export holds, and fetching them in batches (docs/semantics.md,
Exports)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.batching import KEYS_PER_LOOKUP, chunks
from core.progress import Progress
from core.records import Record
from core.sources.sql import SqlDataset, raw_table


@dataclass(slots=True, eq=False)
class Entry:
    number: int
    resource: str
    key: Any
    uuid: str | None
    modified_on: datetime | None
    master: tuple[str, str] | None
    refs: tuple[tuple[str, str], ...]
    components: list[Entry] = field(default_factory=list)


def scan(dataset: SqlDataset, progress: Progress) -> list[Entry]:
    progress.set_total(dataset.estimate(dataset.schema), "reading for export")
    entries: list[Entry] = []
    for name in dataset.schema.order():
        res = dataset.schema.resources[name]
        for record in dataset.resource_records(name, dataset.schema, progress):
            refs = tuple(
                (ref.target, record.values[f])
                for f, ref in res.references.items()
                if isinstance(record.values.get(f), str)
            )
            entries.append(
                Entry(
                    len(entries),
                    name,
                    record.key,
                    record.uuid,
                    record.modified_on,
                    record.master,
                    refs,
                )
            )
    return entries


def select(dataset: SqlDataset, entries: list[Entry], msince: datetime | None) -> list[Entry]:
    """The top-level entries to write, oldest first, with their components attached."""
    by_identity: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        if entry.uuid is not None:
            by_identity.setdefault((entry.resource, entry.uuid), entry)

    def modified(entry: Entry) -> bool:
        return msince is None or entry.modified_on is None or entry.modified_on >= msince

    def master_of(entry: Entry) -> Entry | None:
        return by_identity.get(entry.master) if entry.master else None

    included: set[int] = set()
    for entry in entries:
        if modified(entry):
            included.add(entry.number)
            master = master_of(entry)
            if master is not None:
                included.add(master.number)
    queue = list(included)
    while queue:
        for target in entries[queue.pop()].refs:
            found = by_identity.get(target)
            if found is not None and found.number not in included:
                included.add(found.number)
                queue.append(found.number)
    top = []
    for number in sorted(included):
        entry = entries[number]
        master = master_of(entry)
        if master is not None and master.number in included:
            master.components.append(entry)
        else:
            top.append(entry)
    for entry in top:
        entry.components.sort(key=age)
    return sorted(top, key=age)


def age(entry: Entry) -> tuple[bool, datetime | None, int]:
    return (entry.modified_on is not None, entry.modified_on, entry.number)


def muntil_of(top: list[Entry]) -> datetime | None:
    stamps = [e.modified_on for t in top for e in (t, *t.components) if e.modified_on]
    return max(stamps, default=None)


def batches(
    dataset: SqlDataset, top: list[Entry], progress: Progress
) -> Iterator[list[tuple[Entry, Record, dict[str, Any] | None, bool]]]:
    """(entry, typed record, raw row when some value failed to type, nested), per batch;
    each top-level record comes right before its components."""
    progress.set_total(len(top), "writing")
    for batch in chunks(top, KEYS_PER_LOOKUP):
        wanted: dict[str, list[Any]] = defaultdict(list)
        for entry in batch:
            for item in (entry, *entry.components):
                wanted[item.resource].append(item.key)
        fetched = {name: dataset.fetch(name, keys) for name, keys in wanted.items()}
        rows = []
        for entry in batch:
            for item in (entry, *entry.components):
                record = fetched[item.resource][item.key][0]
                raw = _raw_row(dataset, item.resource, item.key) if record.problems else None
                rows.append((item, record, raw, item is not entry))
            progress.advance()
        yield rows


def _raw_row(dataset: SqlDataset, resource: str, key: Any) -> dict[str, Any]:
    res = dataset.schema.resources[resource]
    table = raw_table(res)
    with dataset.engine.connect() as conn:
        row = conn.execute(sa.select(table).where(table.c[res.pk] == key)).one()
    return dict(row._mapping)
