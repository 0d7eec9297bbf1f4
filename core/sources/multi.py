"""Several exchange files read as one OTHER dataset (docs/semantics.md, Several OTHER files).

Eden's sync endpoint serves one feed per resource, and each feed repeats the records its
records reference (the same `gis_location` in the person feed and the organisation
feed). Read together:

- the files are read in the order given, as one stream of records;
- a record whose identity was already read with the same content (values, timestamps,
  deleted flag, mci and master) is the same record: it is dropped, within one file as
  across files;
- a repeat whose content differs is passed on, and matching reports the identity once,
  as an error naming every place it was read from.

Only a digest of each identity's content is kept, not the records.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from core.mapping import Mapping
from core.progress import Progress
from core.records import Record
from core.schema import Schema


class FileLike(Protocol):
    label: str

    def estimate(self, typing: Schema) -> int: ...

    def records(self, typing: Schema, progress: Any = None) -> Iterator[Record]: ...

    def unknown_columns(self, typing: Schema) -> list[str]: ...


class Combined:
    """One OTHER made of exchange sources; identical repeats of a record read once."""

    def __init__(self, sources: Sequence[FileLike]) -> None:
        if not sources:
            raise ValueError("OTHER needs at least one file")
        self.sources = list(sources)
        self.label = " + ".join(source.label for source in self.sources)

    def estimate(self, typing: Schema) -> int:
        return sum(source.estimate(typing) for source in self.sources)

    def unknown_columns(self, typing: Schema) -> list[str]:
        return [w for source in self.sources for w in source.unknown_columns(typing)]

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        seen: dict[tuple[str, str], bytes] = {}
        for source in self.sources:
            for position, record in enumerate(source.records(typing, progress), 1):
                record.place = _precise(record.place, position, record.uuid)
                if record.uuid is None:
                    yield record
                    continue
                identity = (record.resource, record.uuid)
                digest = content_digest(record)
                earlier = seen.get(identity)
                if earlier is None:
                    seen[identity] = digest
                elif earlier == digest:
                    continue  # the same record again (a repeated reference): one record
                yield record

    def raw_records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Any] | None:
        """The records of `records` before typing (core/sources/raw.py), or None when a
        source cannot give them. Repeats are told apart by their content as read: an
        identical repeat is dropped; a repeat that reads differently is passed on and
        its identity kept in `unsure`, because it may still type to the same record
        (`repeats` then says which repeats `records` passes on)."""
        if not all(hasattr(source, "raw_records") for source in self.sources):
            return None
        return self._raw_records(typing, progress)

    def _raw_records(self, typing: Schema, progress: Progress | None) -> Iterator[Any]:
        seen: dict[tuple[str, str], bytes] = {}
        self.unsure: set[tuple[str, str]] = set()
        for source in self.sources:
            raws = source.raw_records(typing, progress)  # type: ignore[attr-defined]
            for position, raw in enumerate(raws, 1):
                raw.place = _precise(raw.place, position, raw.uuid)
                if raw.uuid is None:
                    yield raw
                    continue
                identity = (raw.resource, raw.uuid)
                earlier = seen.get(identity)
                if earlier is None:
                    seen[identity] = raw.digest
                elif earlier == raw.digest:
                    continue  # read the same: it types the same
                else:
                    self.unsure.add(identity)
                yield raw

    def repeats(
        self, typing: Schema, identities: set[tuple[str, str]]
    ) -> dict[tuple[str, str], list[str]]:
        """The places of the repeats `records` passes on, for these identities: the
        files read again, typed (only when repeats read differently, which is rare)."""
        first: set[tuple[str, str]] = set()
        found: dict[tuple[str, str], list[str]] = {identity: [] for identity in identities}
        for record in self.records(typing):
            identity = (record.resource, record.uuid or "")
            if identity in found:
                if identity in first:
                    found[identity].append(record.place)
                first.add(identity)
        return found


_LINE = re.compile(r" line \d+$")


def _precise(place: str, position: int, uuid: str | None) -> str:
    """A place that names the record: Eden writes a whole feed on one line, where
    "line 2" would name every record of the file."""
    if not _LINE.search(place):
        return place  # a JSON pointer or a table row already names one record
    return f"{place}, record {position}" + (f" ({uuid})" if uuid else "")


def content_digest(record: Record) -> bytes:
    """What makes two reads of one identity the same record (not where it was read)."""
    parts = (
        sorted(record.values.items()),
        record.modified_on,
        record.created_on,
        record.deleted,
        record.mci,
        record.master,
        [str(p) for p in record.problems],
    )
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).digest()


def open_others(targets: Sequence[str | Path], mapping: Mapping) -> Any:
    """OTHER from one or several paths: one database as it is; exchange files (one or
    several) as a `Combined` dataset. A database cannot be combined with anything."""
    from core.sources.open import open_other
    from core.sources.sql import SqlDataset

    opened = [open_other(target, mapping) for target in targets]
    databases = [source for source in opened if isinstance(source, SqlDataset)]
    if databases and len(opened) > 1:
        for source in databases:
            source.close()
        raise ValueError(
            f"OTHER {databases[0].label} is a database: several OTHER sources must all be "
            "exchange files (.xml, .json, CSV folders)"
        )
    if databases:
        return databases[0]
    return Combined(opened)
