"""Turning what an exchange file says about a record into a typed `Record` (docs/semantics.md,
Sources).

The S3XML, S3JSON and CSV readers differ only in syntax; they all hand this module the
same things — a resource name, its meta attributes, data values, references and the
master a nested record belongs to — and get back records typed by THIS's schema, with
bad values turned into per-record problems and unknown names collected as warnings.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from core.identity import canonical_uuid
from core.records import Problem, Record
from core.schema import Column, Kind, Resource, Schema
from core.sources.limits import DEFAULT_LIMITS, Limits
from core.values import Converter, converter

_MODIFIED = converter(Column("modified_on", Kind.DATETIME))
_CREATED = converter(Column("created_on", Kind.DATETIME))
_DELETED = converter(Column("deleted", Kind.BOOLEAN))
_MCI = converter(Column("mci", Kind.INTEGER))
# A JSON number exactly as json's scanner reads it: an integer without a fraction or
# exponent, a float with one. Short ones are decoded here (json.loads costs ~5x more).
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?\Z")
_JSON_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}
_PLAIN, _LINK, _REFERENCE, _IGNORED = object(), object(), object(), object()
_SHORT = 18  # digits int() reads without a big-number limit in sight


def decode_value(raw: str) -> Any:
    """The value of an S3XML `value` attribute: JSON, or the raw text when it is not.

    Eden writes JSON (`&quot;User&quot;`, `1`, `false`) but also bare dates such as
    `1984-03-14`, which are not JSON; those stay text for the column's converter.
    """
    if raw in _JSON_LITERALS:
        return _JSON_LITERALS[raw]
    if len(raw) <= _SHORT and (number := _JSON_NUMBER.match(raw)) is not None:
        return float(raw) if number.lastindex else int(raw)
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw


def uuid_list(raw: Any) -> list[str | None] | None:
    """A multi-reference: a JSON list of uuids (text or already a list), else None."""
    if isinstance(raw, str):
        text = raw.strip()
        if not text.startswith("["):
            return None
        try:
            raw = json.loads(text)
        except (ValueError, RecursionError):
            return None
    if isinstance(raw, list) and all(isinstance(u, str) for u in raw):
        return [canonical_uuid(u) for u in raw]
    return None


class FileSource:
    """What the exchange-file readers share: a path, a label, and the warnings about
    unknown resources and fields that reading the file for one schema produced."""

    def __init__(self, path: str | Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.label = str(path)
        self.limits = limits
        self._warnings: dict[int, list[str]] = {}

    def estimate(self, typing: Schema) -> int:
        return 0  # a file's record count is unknown until it is read

    def unknown_columns(self, typing: Schema) -> list[str]:
        if id(typing) not in self._warnings:
            for _ in self.records(typing):
                pass
        return list(self._warnings.get(id(typing), []))

    def records(self, typing: Schema, progress: Any = None) -> Any:
        raise NotImplementedError


class RecordMaker:
    """Builds typed records of one source against THIS's schema; collects warnings."""

    PLAIN, IGNORED = _PLAIN, _IGNORED  # how a data field is read (see `route`)

    def __init__(self, typing: Schema, label: str) -> None:
        self.typing = typing
        self.label = label
        self.unknown_resources: dict[str, int] = defaultdict(int)
        self.unknown_fields: dict[str, set[str]] = defaultdict(set)
        self.notes: list[str] = []
        self._fields: dict[str, dict[str, str]] = {}
        self._converters: dict[tuple[str, str], Converter] = {}
        self._routes: dict[tuple[str, str], tuple[str, object, Kind | None, Any]] = {}

    # ----- names
    def resource(self, name: str) -> Resource | None:
        """THIS's resource of that name, or None (remembered for the warning)."""
        res = self.typing.resources.get(name)
        if res is None:
            self.unknown_resources[name] += 1
        return res

    def column_name(self, res: Resource, name: str) -> str | None:
        """THIS's column for a field name; case-insensitive when unambiguous (Eden's L0)."""
        if name in res.columns:
            return name
        folded = self._fields.get(res.name)
        if folded is None:
            counts: dict[str, list[str]] = defaultdict(list)
            for column in res.columns:
                counts[column.lower()].append(column)
            folded = {k: v[0] for k, v in counts.items() if len(v) == 1}
            self._fields[res.name] = folded
        found = folded.get(name.lower())
        if found is None:
            self.unknown_fields[res.name].add(name)
        return found

    def warnings(self) -> list[str]:
        notes = [
            f"{self.label}: resource {name} is not in THIS: ignored ({count} records, "
            "with their components)"
            for name, count in sorted(self.unknown_resources.items())
        ]
        notes += [
            f"{self.label}: {name} fields {', '.join(sorted(fields))} are not in THIS: ignored"
            for name, fields in sorted(self.unknown_fields.items())
        ]
        return notes + self.notes

    # ----- records
    def start(self, res: Resource, place: str, meta: dict[str, Any]) -> Record:
        """A record from its meta attributes (raw text or JSON values), uuid checked."""
        names = res.meta
        record = Record(
            resource=res.name, uuid=canonical_uuid(meta.get("uuid")), values={}, place=place
        )
        if record.uuid is None:
            record.problems.append(Problem(names.uuid, "record has no uuid"))
        record.modified_on = _meta(_MODIFIED, names.modified_on, meta.get("modified_on"), record)
        record.created_on = _meta(_CREATED, names.created_on, meta.get("created_on"), record)
        record.deleted = bool(_meta(_DELETED, names.deleted, meta.get("deleted"), record))
        record.mci = _meta(_MCI, names.mci, meta.get("mci"), record)
        return record

    def data(
        self, res: Resource, record: Record, name: str, raw: Any, *, from_text: bool = False
    ) -> None:
        """One field value. `from_text`: an empty text is no value for a non-string column."""
        column, how, kind, convert = self._route(res, name)
        if how is _PLAIN:
            if from_text and raw == "" and kind is not Kind.STRING:
                raw = None
            if kind is Kind.DECIMAL and isinstance(raw, float):
                raw = repr(raw)
            if raw is None:
                record.values[column] = None
                return
            try:
                record.values[column] = convert(raw)
            except (ValueError, TypeError, ArithmeticError) as exc:
                record.problems.append(Problem(column, _message(exc)))
                record.values[column] = None
        elif how is _LINK:
            self._link_cell(res, record, column, raw)
        elif how is _REFERENCE:
            self.reference(res, record, column, None, raw)

    def route(self, res: Resource, name: str) -> tuple[str, object, Kind | None]:
        """A data field's column, how it is read (`PLAIN`, `IGNORED`, a component link or
        a reference) and its kind."""
        return self._route(res, name)[:3]

    def _route(self, res: Resource, name: str) -> tuple[str, object, Kind | None, Any]:
        found = self._routes.get((res.name, name))
        if found is None:
            found = self._routes[(res.name, name)] = self._find_route(res, name)
        return found

    def _find_route(self, res: Resource, name: str) -> tuple[str, object, Kind | None, Any]:
        """How a data field of that name is read into THIS's resource (looked up once)."""
        column = self.column_name(res, name)
        if column is None:
            return "", _IGNORED, None, None
        if _link(res, column):
            return column, _LINK, None, None
        if column in res.references:
            return column, _REFERENCE, None, None
        if column not in res.data_fields:
            return column, _IGNORED, None, None  # a local-only column THIS knows: never compared
        return column, _PLAIN, res.columns[column].kind, self._converter(res, column)

    def reference(
        self, res: Resource, record: Record, name: str, target: str | None, raw_uuid: Any
    ) -> None:
        """A reference (or a component's link to its master) given as the target's uuid."""
        column = self.column_name(res, name)
        if column is None:
            return
        if _link(res, column):
            masters = {link.master for link in res.links if link.link == column}
            if target is None and len(masters) == 1:
                target = next(iter(masters))
            if target not in masters:
                record.problems.append(
                    Problem(
                        column, f"links to {target}, which is not a master of {res.name} in THIS"
                    )
                )
                return
            self.set_master(res, record, target, raw_uuid)
            return
        if column not in res.data_fields:
            return
        ref = res.references.get(column)
        many = uuid_list(raw_uuid)
        if ref is None:
            # THIS keeps this column as a plain value: its converter decides.
            value = many if many is not None else canonical_uuid(text_of(raw_uuid))
            record.values[column] = self._convert(res, column, value, record)
            return
        if target is not None and target != ref.target:
            record.problems.append(
                Problem(
                    column,
                    f"refers to {target}, but THIS's {res.name}.{column} refers to {ref.target}",
                )
            )
            record.values[column] = None
            return
        if many is not None:
            if len(many) > 1:
                record.problems.append(Problem(column, f"{len(many)} uuids for a single reference"))
                record.values[column] = None
                return
            record.values[column] = many[0] if many else None
            return
        record.values[column] = canonical_uuid(text_of(raw_uuid))

    def set_master(self, res: Resource, record: Record, master: str, raw_uuid: Any) -> None:
        uuid = canonical_uuid(text_of(raw_uuid))
        if uuid is None:
            record.problems.append(
                Problem(
                    res.links[0].link if res.links else None,
                    "the component's master record has no uuid",
                )
            )
            return
        record.master = (master, uuid)

    def nest(
        self,
        res: Resource,
        record: Record,
        master: Resource,
        master_uuid: str | None,
    ) -> None:
        """A record nested in `master`: a component of it, when THIS says so."""
        if not any(link.master == master.name for link in res.links):
            self.note_independent(res, master)
            return
        self.set_master(res, record, master.name, master_uuid)

    def note_independent(self, res: Resource, master: Resource) -> None:
        note = (
            f"{self.label}: {res.name} nested in {master.name} is not a component of it "
            "in THIS: read as an independent record"
        )
        if note not in self.notes:
            self.notes.append(note)

    # ----- internals
    def _link_cell(self, res: Resource, record: Record, column: str, raw: Any) -> None:
        # CSV and data elements give a component link as the master's uuid; a
        # "RESOURCE:uuid" cell names the master when several masters share the column.
        text = text_of(raw)
        masters = [link.master for link in res.links if link.link == column]
        if text is None or not text.strip():
            return
        for master in masters:
            if text.startswith(master + ":"):
                self.set_master(res, record, master, text[len(master) + 1 :])
                return
        if len(masters) == 1:
            self.set_master(res, record, masters[0], text)
            return
        record.problems.append(
            Problem(
                column,
                f"cannot tell which master ({', '.join(masters)}) "
                f"{text!r} is: write it as RESOURCE:uuid",
            )
        )

    def _converter(self, res: Resource, column: str) -> Converter:
        key = (res.name, column)
        convert = self._converters.get(key)
        if convert is None:
            convert = self._converters[key] = converter(res.columns[column])
        return convert

    def _convert(self, res: Resource, column: str, raw: Any, record: Record) -> Any:
        convert = self._converter(res, column)
        try:
            return convert(raw)
        except (ValueError, TypeError, ArithmeticError) as exc:
            record.problems.append(Problem(column, _message(exc)))
            return None


def _meta(convert: Converter, name: str, raw: Any, record: Record) -> Any:
    if isinstance(raw, str) and not raw.strip():
        raw = None
    try:
        return convert(raw)
    except (ValueError, TypeError, ArithmeticError) as exc:
        record.problems.append(Problem(name, _message(exc)))
        return None


def _link(res: Resource, column: str) -> bool:
    return any(link.link == column for link in res.links)


def text_of(raw: Any) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    if isinstance(raw, (int, float, Decimal)) and not isinstance(raw, bool):
        return str(raw)
    return json.dumps(raw) if isinstance(raw, (list, dict, bool)) else str(raw)


def _message(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
