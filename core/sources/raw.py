"""OTHER's records as read, before typing: what the plan compares with THIS first.

Most records of an exchange file are unchanged against THIS, and typing each one
(timestamps parsed, a `Record` built) costs more than reading it. So a reader can hand
the plan `RawRecord`s instead: the values each field would be typed from (a
`RecordMaker` would pass exactly these to the column's converter), the meta fields as
written, and the master. The plan types only the records it cannot prove unchanged
(core/compare_raw.py), with the reader's own typing code, so a typed record is the one
the straightforward path reads.

A record whose reading already says something unusual (no uuid, a field without a
name, a component link in a data cell, a reference THIS keeps as a plain value, …) is
typed at once and carried as `record`: the raw comparison never has to know about it.
Every name is looked up while reading, whichever way a record goes, so the warnings
about unknown resources and fields are the ones the typed reading gives.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from core.identity import canonical_uuid
from core.records import Record
from core.schema import Kind, Resource
from core.sources.exchange import RecordMaker, text_of, uuid_list

# What a raw reading of one cell gives: nothing to record, or "type the record to know".
IGNORED = object()
UNSURE = object()


def take_cell(
    found: object, values: dict[str, Any] | None, master: Any
) -> tuple[dict[str, Any] | None, Any]:
    """One cell's answer from `RawReader.data` / `.reference` put into a raw record's
    (values, master): UNSURE leaves no values (the record is read typed), IGNORED
    changes nothing, ("", uuid) is the master's link, (column, value) a field."""
    if found is UNSURE:
        return None, master
    if found is IGNORED or values is None:
        return values, master
    column, value = cast(tuple[str, Any], found)
    if column:
        values[column] = value
        return values, master
    return values, value


@dataclass(slots=True)
class RawRecord:
    """One OTHER record before typing.

    `values`: column → the value its converter would be given (references and the
    master already as canonical uuids); None when the record is carried typed in
    `record`. `meta`: modified_on, created_on, deleted and mci as read. `digest`: what
    the record's content is as read (two equal digests mean two equal typed records).
    """

    resource: str
    uuid: str | None
    place: str
    meta: tuple[Any, ...]
    values: dict[str, Any] | None
    master: tuple[str, str] | None
    digest: bytes
    typer: Callable[[], Record] | None = None
    record: Record | None = None

    def typed(self) -> Record:
        """The record typed exactly as the straightforward path reads it."""
        record = self.record
        if record is None:
            assert self.typer is not None
            record = self.typer()
            self.typer = None  # let go of what it was typed from
        record.place = self.place
        return record


class RawReader:
    """A `RecordMaker`'s lookups without its converters: each method answers what the
    typed reading would record for one cell, or `UNSURE`. What depends only on the
    names is worked out once per resource and name (the maker notes any warning then)."""

    def __init__(self, maker: RecordMaker) -> None:
        self.maker = maker
        self._data: dict[tuple[str, str], Any] = {}
        self._references: dict[tuple[str, str, str | None], Any] = {}
        self._nested: dict[tuple[str, str], bool] = {}

    def data(self, res: Resource, name: str, raw: Any, from_text: bool) -> tuple[str, Any] | object:
        """(column, value before its converter) of a data cell, `IGNORED` or `UNSURE`."""
        found = self._data.get((res.name, name))
        if found is None:
            column, how, kind = self.maker.route(res, name)
            if how is RecordMaker.PLAIN:
                found = (column, kind)
            else:
                found = IGNORED if how is RecordMaker.IGNORED else UNSURE
            self._data[(res.name, name)] = found
        if type(found) is not tuple:
            return found
        column, kind = found
        if from_text and raw == "" and kind is not Kind.STRING:
            raw = None
        if kind is Kind.DECIMAL and isinstance(raw, float):
            raw = repr(raw)
        return column, raw

    def reference(
        self, res: Resource, name: str, target: str | None, raw_uuid: Any
    ) -> tuple[str, Any] | object:
        """(column, target's canonical uuid) of a reference, ("", master) for a component
        link, `IGNORED` or `UNSURE`."""
        key = (res.name, name, target)
        found = self._references.get(key)
        if found is None:
            found = self._references[key] = self._reference(res, name, target)
        if type(found) is not tuple:
            return found
        if found[0]:  # a reference: THIS's column
            if uuid_list(raw_uuid) is not None:
                return UNSURE
            return found[0], canonical_uuid(text_of(raw_uuid))
        uuid = canonical_uuid(text_of(raw_uuid))  # a component link: its master
        return UNSURE if uuid is None else ("", (found[1], uuid))

    def _reference(self, res: Resource, name: str, target: str | None) -> Any:
        """("", master) for a component link, (column, "") for a reference, or IGNORED
        / UNSURE, as `RecordMaker.reference` decides from the names alone."""
        column = self.maker.column_name(res, name)
        if column is None:
            return IGNORED
        if any(link.link == column for link in res.links):
            masters = {link.master for link in res.links if link.link == column}
            if target is None and len(masters) == 1:
                target = next(iter(masters))
            return ("", target) if target in masters else UNSURE
        if column not in res.data_fields:
            return IGNORED
        ref = res.references.get(column)
        if ref is None or (target is not None and target != ref.target):
            return UNSURE
        return (column, "")

    def nest(self, res: Resource, master: Resource, master_uuid: str | None) -> Any:
        """The master of a nested record: (resource, uuid), None when it is read as an
        independent record (noted), or `UNSURE`."""
        key = (res.name, master.name)
        component = self._nested.get(key)
        if component is None:
            component = self._nested[key] = any(link.master == master.name for link in res.links)
        if not component:
            self.maker.note_independent(res, master)
            return None
        if master_uuid is None:
            return UNSURE
        return (master.name, master_uuid)
