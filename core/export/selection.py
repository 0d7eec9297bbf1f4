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
from core.identity import canonical_uuid
from core.progress import Progress
from core.records import Record
from core.schema import Column, Kind, Resource, Schema
from core.sources.sql import SqlDataset, raw_table
from core.values import converter


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
    """Identities, times, masters and reference targets of every record, read raw: one
    light query per resource (references and links joined to their targets' uuids);
    only `modified_on` is typed. The full records are fetched later, selected ones only."""
    schema = dataset.schema
    progress.set_total(dataset.estimate(schema), "reading for export")
    entries: list[Entry] = []
    with dataset.engine.connect() as conn:
        for name in schema.order():
            statement, refs, links = _light_query(schema, schema.resources[name])
            result = conn.execution_options(yield_per=2000).execute(statement)
            for row in result:
                progress.advance()
                targets = tuple(
                    (target, uuid)
                    for target, pos in refs
                    if (uuid := canonical_uuid(row[pos])) is not None
                )
                master = next(
                    ((m, canonical_uuid(row[pos])) for m, pos in links if row[pos] is not None),
                    None,
                )
                entries.append(
                    Entry(
                        len(entries),
                        name,
                        row[0],
                        canonical_uuid(row[1]),
                        _stamp(row[2]),
                        master,  # type: ignore[arg-type]
                        targets,
                    )
                )
    return entries


def _light_query(
    schema: Schema, res: Resource
) -> tuple[sa.Select, list[tuple[str, int]], list[tuple[str, int]]]:
    """pk, uuid, modified_on, then each reference's and link's target uuid."""
    table = raw_table(res)
    stamp = res.meta.modified_on
    selected: list[Any] = [
        table.c[res.pk],
        table.c[res.meta.uuid],
        table.c[stamp] if res.has(stamp) else sa.null(),
    ]
    joined: sa.FromClause = table
    refs: list[tuple[str, int]] = []
    links: list[tuple[str, int]] = []
    pairs = [
        (ref.field, ref.target, ref.target_key, refs)
        for f, ref in res.references.items()
        if f in res.data_fields
    ]
    pairs += [(link.link, link.master, link.master_key, links) for link in res.links]
    for column, target, key, into in pairs:
        target_res = schema.resources.get(target)
        if target_res is None or key not in target_res.columns or column not in res.columns:
            continue
        other = raw_table(target_res).alias(f"t{len(selected)}")
        joined = joined.outerjoin(other, table.c[column] == other.c[key])
        into.append((target, len(selected)))
        selected.append(other.c[target_res.meta.uuid])
    return sa.select(*selected).select_from(joined), refs, links


_MODIFIED = converter(Column("modified_on", Kind.DATETIME))


def _stamp(raw: Any) -> datetime | None:
    """A record whose modified_on does not parse counts as modified (None)."""
    try:
        return _MODIFIED(raw)
    except ValueError:
        return None


def select(entries: list[Entry], msince: datetime | None) -> list[Entry]:
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
