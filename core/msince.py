"""`preview --msince T` / `commit --msince T`: only what OTHER changed since T enters the
plan (docs/semantics.md, msince).

The rules are the export's (core.export.selection): a record modified at or after T, a
master with a component modified at or after T (with only those components), and every
record those reference, transitively, whatever its time. A record without `modified_on`
counts as modified; so does a record without uuid (it is an error either way).

OTHER is read twice: once for identities, times, masters and references (a few small
tuples per record), once more to yield the selected records.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from core.export.selection import Entry, select
from core.progress import Progress
from core.records import Record
from core.schema import Schema


class ChangedSince:
    """OTHER limited to what changed since `msince`."""

    def __init__(self, source: object, msince: datetime) -> None:
        self.source = source
        self.msince = msince
        self.label = f"{source.label} (msince {msince.isoformat()})"  # type: ignore[attr-defined]

    def estimate(self, typing: Schema) -> int:
        return int(self.source.estimate(typing))  # type: ignore[attr-defined]

    def unknown_columns(self, typing: Schema) -> list[str]:
        return list(self.source.unknown_columns(typing))  # type: ignore[attr-defined]

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        wanted = self._selected(typing)
        for record in self.source.records(typing, progress):  # type: ignore[attr-defined]
            if record.uuid is None or (record.resource, record.uuid) in wanted:
                yield record

    def _selected(self, typing: Schema) -> set[tuple[str, str]]:
        entries: list[Entry] = []
        targets = {
            name: tuple(ref.target for ref in res.references.values())
            for name, res in typing.resources.items()
        }
        for record in self.source.records(typing):  # type: ignore[attr-defined]
            if record.uuid is None:
                continue
            references = typing.resources[record.resource].references
            refs = tuple(
                value if isinstance(value := record.values.get(name), str) else None
                for name in references
            )
            entries.append(
                Entry(
                    len(entries),
                    record.resource,
                    None,
                    record.uuid,
                    record.modified_on,
                    record.master,
                    refs,
                )
            )
        top = select(entries, self.msince, targets)
        return {
            (item.resource, item.uuid)
            for entry in top
            for item in (entry, *entry.components)
            if item.uuid is not None
        }
