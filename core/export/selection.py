"""Which records an msince export holds, and in which order (docs/semantics.md, Exports)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from core.identity import canonical_uuid
from core.progress import Progress
from core.schema import Column, Kind, Schema
from core.sources.sql import SqlDataset
from core.values import converter


@dataclass(slots=True, eq=False)
class Entry:
    number: int
    resource: str
    key: Any
    uuid: str | None
    modified_on: datetime | None
    master: tuple[str, str] | None
    # Canonical uuids of the references, then of the masters, where `row_shape` puts them:
    # the records are typed later from plain rows (no joins) plus these.
    uuids: tuple[str | None, ...]
    components: Sequence[Entry] = ()  # a list once it has any (no empty list per entry)


def scan(dataset: SqlDataset, progress: Progress) -> list[Entry]:
    """Identities, times, masters and reference targets of every record, read raw: one
    light query per resource (references and links joined to their targets' uuids);
    only `modified_on` is typed. The full records are read later, selected ones only."""
    schema = dataset.schema
    progress.set_total(dataset.estimate(schema), "reading for export")
    entries: list[Entry] = []
    with dataset.engine.connect() as conn:
        for name in schema.order():
            statement, links = _light_query(dataset, name)
            result = conn.execution_options(yield_per=2000).execute(statement)
            for rows in result.partitions():
                for row in rows:
                    uuids = tuple([None if r is None else _canonical(r) for r in row[3:]])
                    master = None
                    for m, pos in links:
                        if row[3 + pos] is not None:
                            master = (m, uuids[pos])
                            break
                    entries.append(
                        Entry(
                            len(entries),
                            name,
                            row[0],
                            _canonical(row[1]),
                            _stamp(row[2]),
                            master,  # type: ignore[arg-type]
                            uuids,
                        )
                    )
                progress.advance(len(rows))
    return entries


_CANONICAL = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def _canonical(raw: Any) -> str | None:
    """`canonical_uuid`, answered at once for a uuid already in canonical form."""
    return raw if type(raw) is str and _CANONICAL.match(raw) else canonical_uuid(raw)


def _light_query(dataset: SqlDataset, name: str) -> tuple[sa.Select, list[tuple[str, int]]]:
    """pk, uuid, modified_on, then the uuids `row_shape` joins (references, masters);
    and (master, position among those uuids) of each link whose master is known."""
    shape = dataset.row_shape(name)
    columns = list(shape.statement.selected_columns)
    first = 6 + len(shape.fields)
    links = [
        (link.master, pos - first)
        for pos, link in shape.links
        if _knows(dataset.schema, link.master, link.master_key)
    ]
    return shape.statement.with_only_columns(*columns[:3], *columns[first:]), links


def _knows(schema: Schema, resource: str, key: str) -> bool:
    target = schema.resources.get(resource)
    return target is not None and key in target.columns


_MODIFIED = converter(Column("modified_on", Kind.DATETIME))


_NAIVE_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\Z")


def _stamp(raw: Any) -> datetime | None:
    """A record whose modified_on does not parse counts as modified (None)."""
    try:
        if type(raw) is str and len(raw) == 19 and _NAIVE_STAMP.match(raw):
            # What typing gives; ~10x faster than .replace(tzinfo=UTC) on CPython 3.11.
            return datetime.fromisoformat(raw + "+00:00")
        return _MODIFIED(raw)
    except ValueError:
        return None


def reference_targets(dataset: SqlDataset) -> dict[str, tuple[str, ...]]:
    """Per resource, the target resource of each reference uuid of an entry."""
    found = {}
    for name in dataset.schema.resources:
        shape = dataset.row_shape(name)
        found[name] = tuple(ref.target for _, _, ref in shape.references)
    return found


def select(
    entries: list[Entry], msince: datetime | None, targets: dict[str, tuple[str, ...]]
) -> list[Entry]:
    """The top-level entries to write, oldest first, with their components attached.
    `targets` names the resource each reference uuid of an entry points at."""
    by_identity: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        if entry.uuid is not None:
            by_identity.setdefault((entry.resource, entry.uuid), entry)

    def master_of(entry: Entry) -> Entry | None:
        return by_identity.get(entry.master) if entry.master else None

    if msince is None:
        chosen, included = entries, None
    else:
        included = _included(entries, msince, by_identity, master_of, targets)
        chosen = [entries[number] for number in sorted(included)]
    top = []
    for entry in chosen:
        master = master_of(entry)
        if master is not None and (included is None or master.number in included):
            if isinstance(master.components, list):
                master.components.append(entry)
            else:
                master.components = [entry]
        else:
            top.append(entry)
    for entry in top:
        if isinstance(entry.components, list):
            entry.components.sort(key=age)
    return sorted(top, key=age)


def _included(
    entries: list[Entry],
    msince: datetime,
    by_identity: dict[tuple[str, str], Entry],
    master_of: Callable[[Entry], Entry | None],
    targets: dict[str, tuple[str, ...]],
) -> set[int]:
    """Numbers of the modified entries, their masters, and what they reference, transitively."""
    included: set[int] = set()
    for entry in entries:
        if entry.modified_on is None or entry.modified_on >= msince:
            included.add(entry.number)
            master = master_of(entry)
            if master is not None:
                included.add(master.number)
    queue = list(included)
    while queue:
        entry = entries[queue.pop()]
        for target, uuid in zip(targets[entry.resource], entry.uuids, strict=False):
            found = by_identity.get((target, uuid)) if uuid is not None else None
            if found is not None and found.number not in included:
                included.add(found.number)
                queue.append(found.number)
    return included


def age(entry: Entry) -> tuple[bool, datetime | None, int]:
    return (entry.modified_on is not None, entry.modified_on, entry.number)


def muntil_of(top: list[Entry]) -> datetime | None:
    stamps = [e.modified_on for t in top for e in (t, *t.components) if e.modified_on]
    return max(stamps, default=None)
