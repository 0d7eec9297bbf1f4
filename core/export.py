"""The msince export: what changed in a dataset since T, as S3XML, S3JSON or CSV (SPEC §8).

Selection (all timestamps compared in UTC; msince is inclusive):
- a master is exported when its own `modified_on >= msince`, or when any of its
  components has `modified_on >= msince`;
- a component is exported (nested under its master) only when its own
  `modified_on >= msince`;
- every record referenced by what is exported is exported too, transitively, whatever
  its timestamp (a referenced component whose master is not exported stands alone,
  linked to its master by a `<reference>` on the link field, as Eden writes it);
- a record without `modified_on` (or with one that does not parse) counts as modified.

Order: top-level records oldest first, **undated records first**, ties in resource and
row order; in S3JSON, whose shape groups records by resource, oldest first within each
resource. `muntil` is the latest `modified_on` exported: written as a root attribute
(`<s3xml muntil="…">`, `"@muntil"`) and returned.

Values that failed to type in the database are exported as the raw text they hold, so
the file carries the same faults as the database and plans from either agree.

The dataset is read twice: a first pass keeps only identities, timestamps, masters and
reference targets; the second fetches the selected records in batches while writing,
so the full records are never all in memory.
"""

from __future__ import annotations

import csv
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from lxml import etree

from core.progress import Progress
from core.records import Record
from core.schema import Kind, Resource
from core.sources.sql import SqlDataset, raw_table
from core.timestamps import TimestampError, format_timestamp, parse_timestamp, to_utc

FORMATS = ("s3xml", "s3json", "csv")
_BATCH = 500
# Text XML cannot carry (control characters) or that a parser would normalise (\r).
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")


class ExportError(ValueError):
    """An export that cannot be made (bad msince, unknown format); nothing is written."""


@dataclass(frozen=True, slots=True)
class ExportResult:
    count: int  # records written, components included
    muntil: datetime | None  # the latest modified_on written


def parse_msince(text: str) -> datetime:
    """A strict ISO 8601 msince; anything else is an error, never a full export."""
    try:
        return parse_timestamp(text)
    except TimestampError:
        raise ExportError(f"msince {text!r} is not an ISO 8601 timestamp "
                          "(e.g. 2024-05-01T10:00:00Z): nothing exported") from None


@dataclass(slots=True, eq=False)
class _Entry:
    number: int
    resource: str
    key: Any
    uuid: str | None
    modified_on: datetime | None
    master: tuple[str, str] | None
    refs: tuple[tuple[str, str], ...]
    components: list[_Entry] = field(default_factory=list)


def export(dataset: SqlDataset, out_path: str | Path, fmt: str = "s3xml",
           msince: datetime | str | None = None, progress: Progress | None = None
           ) -> ExportResult:
    """Write the records of `dataset` modified since `msince` (all when None) to `out_path`.

    `fmt` is `s3xml`, `s3json` or `csv` (`out_path` is then a folder of `<resource>.csv`).
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (use {', '.join(FORMATS)})")
    if isinstance(msince, str):
        msince = parse_msince(msince)
    elif msince is not None:
        msince = to_utc(msince)
    progress = progress or Progress()
    entries = _scan(dataset, progress)
    top = _select(dataset, entries, msince)
    muntil = _muntil(top)
    writer = {"s3xml": _write_xml, "s3json": _write_json, "csv": _write_csv}[fmt]
    count = writer(dataset, Path(out_path), top, muntil, progress)
    return ExportResult(count, muntil)


# ----- selection
def _scan(dataset: SqlDataset, progress: Progress) -> list[_Entry]:
    progress.set_total(dataset.estimate(dataset.schema), "reading for export")
    entries: list[_Entry] = []
    for name in dataset.schema.order():
        res = dataset.schema.resources[name]
        for record in dataset.resource_records(name, dataset.schema, progress):
            refs = tuple((ref.target, record.values[f]) for f, ref in res.references.items()
                         if isinstance(record.values.get(f), str))
            entries.append(_Entry(len(entries), name, record.key, record.uuid,
                                  record.modified_on, record.master, refs))
    return entries


def _select(dataset: SqlDataset, entries: list[_Entry], msince: datetime | None
            ) -> list[_Entry]:
    """The top-level entries to write, oldest first, with their components attached."""
    by_identity: dict[tuple[str, str], _Entry] = {}
    for entry in entries:
        if entry.uuid is not None:
            by_identity.setdefault((entry.resource, entry.uuid), entry)

    def modified(entry: _Entry) -> bool:
        return msince is None or entry.modified_on is None or entry.modified_on >= msince

    def master_of(entry: _Entry) -> _Entry | None:
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
        entry.components.sort(key=_age)
    return sorted(top, key=_age)


def _age(entry: _Entry) -> tuple[bool, datetime | None, int]:
    return (entry.modified_on is not None, entry.modified_on, entry.number)


def _muntil(top: list[_Entry]) -> datetime | None:
    stamps = [e.modified_on for t in top for e in (t, *t.components) if e.modified_on]
    return max(stamps, default=None)


# ----- fetching the selected records in batches
def _batches(dataset: SqlDataset, top: list[_Entry], progress: Progress
             ) -> Iterator[list[tuple[_Entry, Record, dict[str, Any] | None, bool]]]:
    """(entry, typed record, raw row when some value failed to type, nested), per batch;
    each top-level record comes right before its components."""
    progress.set_total(len(top), "writing")
    for start in range(0, len(top), _BATCH):
        batch = top[start:start + _BATCH]
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


def _bad_fields(record: Record) -> set[str]:
    return {p.field for p in record.problems if p.field}


# ----- value encoding
def _xml_value(value: Any, kind: Kind) -> tuple[str | None, str | None]:
    """(value attribute, text) for one field, the way Eden writes them."""
    if kind is Kind.JSON or value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value), None
    if isinstance(value, str):
        return (json.dumps(value), None) if _NOT_XML_TEXT.search(value) else (None, value)
    return None, _text(value)


def _json_value(value: Any, kind: Kind) -> Any:
    if kind is Kind.JSON or value is None or isinstance(value, (bool, int, float)):
        return {"@value": value}
    return value if isinstance(value, str) else _text(value)


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return format_timestamp(value) or ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


def _raw_xml(raw: Any) -> tuple[str | None, str | None]:
    if isinstance(raw, str):
        return _xml_value(raw, Kind.STRING)
    try:
        return json.dumps(raw), None
    except (TypeError, ValueError):
        return None, _text(raw)


def _meta(res: Resource, record: Record, raw: dict[str, Any] | None) -> dict[str, str]:
    """uuid, created_on, modified_on, deleted, mci as attribute text (raw when bad)."""
    names = res.meta
    bad = _bad_fields(record) if raw else set()
    meta: dict[str, str] = {}
    if record.uuid is not None:
        meta["uuid"] = record.uuid
    for role, column, value in (("created_on", names.created_on, record.created_on),
                                ("modified_on", names.modified_on, record.modified_on)):
        if raw and column in bad and raw.get(column) is not None:
            meta[role] = str(raw[column])
        elif value is not None:
            meta[role] = format_timestamp(value) or ""
    if raw and names.deleted in bad and raw.get(names.deleted) is not None:
        meta["deleted"] = str(raw[names.deleted])
    elif record.deleted:
        meta["deleted"] = "true"
    if raw and names.mci in bad and raw.get(names.mci) is not None:
        meta["mci"] = str(raw[names.mci])
    elif record.mci is not None:
        meta["mci"] = str(record.mci)
    return meta


def _link_of(res: Resource, master: str) -> str | None:
    return next((link.link for link in res.links if link.master == master), None)


# ----- S3XML
def _write_xml(dataset: SqlDataset, out: Path, top: list[_Entry], muntil: datetime | None,
               progress: Progress) -> int:
    schema = dataset.schema
    count = 0
    root_attrs = {"muntil": format_timestamp(muntil)} if muntil else {}
    with etree.xmlfile(str(out), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("s3xml", root_attrs):
            element: etree._Element | None = None
            for rows in _batches(dataset, top, progress):
                for entry, record, raw, nested in rows:
                    res = schema.resources[entry.resource]
                    if nested and element is not None:
                        element.append(_xml_record(res, record, raw, nested=True))
                    else:
                        if element is not None:
                            xf.write(element)
                        element = _xml_record(res, record, raw, nested=False)
                    count += 1
            if element is not None:
                xf.write(element)
    return count


def _xml_record(res: Resource, record: Record, raw: dict[str, Any] | None, *,
                nested: bool) -> etree._Element:
    elem = etree.Element("resource", {"name": res.name, **_meta(res, record, raw)})
    bad = _bad_fields(record) if raw else set()
    if not nested and record.master is not None:
        link = _link_of(res, record.master[0])
        if link:
            etree.SubElement(elem, "reference", field=link, resource=record.master[0],
                             uuid=record.master[1])
    for name in res.data_fields:
        if name not in record.values and name not in bad:
            continue
        ref = res.references.get(name)
        if ref is not None:
            attrs = {"field": name, "resource": ref.target}
            if record.values.get(name) is not None:
                attrs["uuid"] = record.values[name]
            etree.SubElement(elem, "reference", attrs)
            continue
        if raw and name in bad:
            value, text = _raw_xml(raw.get(name))
        else:
            value, text = _xml_value(record.values[name], res.columns[name].kind)
        child = etree.SubElement(elem, "data", field=name)
        if value is not None:
            child.set("value", value)
        child.text = text
    return elem


# ----- S3JSON
def _write_json(dataset: SqlDataset, out: Path, top: list[_Entry], muntil: datetime | None,
                progress: Progress) -> int:
    schema = dataset.schema
    order = {name: n for n, name in enumerate(schema.order())}
    top = sorted(top, key=lambda e: (order[e.resource], _age(e)))
    count = 0
    with out.open("w", encoding="utf-8") as stream:
        stream.write("{")
        stream.write(f'"@muntil": {json.dumps(format_timestamp(muntil))}')
        current: str | None = None
        pending: dict[str, Any] | None = None
        first = True
        for rows in _batches(dataset, top, progress):
            for entry, record, raw, nested in rows:
                res = schema.resources[entry.resource]
                if nested and pending is not None:
                    pending.setdefault("$_" + res.name, []).append(
                        _json_record(res, record, raw, nested=True))
                    count += 1
                    continue
                if pending is not None:
                    stream.write(("" if first else ",") + json.dumps(pending, ensure_ascii=False))
                    first = False
                if entry.resource != current:
                    stream.write(("]" if current else "") + f", {json.dumps('$_' + res.name)}: [")
                    current, first = entry.resource, True
                pending = _json_record(res, record, raw, nested=False)
                count += 1
        if pending is not None:
            stream.write(("" if first else ",") + json.dumps(pending, ensure_ascii=False))
        stream.write(("]" if current else "") + "}\n")
    return count


def _json_record(res: Resource, record: Record, raw: dict[str, Any] | None, *,
                 nested: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"@" + k: v for k, v in _meta(res, record, raw).items()}
    bad = _bad_fields(record) if raw else set()
    if not nested and record.master is not None:
        link = _link_of(res, record.master[0])
        if link:
            item["$k_" + link] = {"@resource": record.master[0], "@uuid": record.master[1]}
    for name in res.data_fields:
        if name not in record.values and name not in bad:
            continue
        ref = res.references.get(name)
        if ref is not None:
            item["$k_" + name] = {"@resource": ref.target, "@uuid": record.values.get(name)}
        elif raw and name in bad:
            value = raw.get(name)
            item[name] = value if isinstance(value, str) else {"@value": _jsonable(value)}
        else:
            item[name] = _json_value(record.values[name], res.columns[name].kind)
    return item


def _jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return _text(value)
    return value


# ----- CSV folder
def _write_csv(dataset: SqlDataset, out: Path, top: list[_Entry], muntil: datetime | None,
               progress: Progress) -> int:
    """One `<resource>.csv` per resource; components carry their master's uuid."""
    out.mkdir(parents=True, exist_ok=True)
    schema = dataset.schema
    files: dict[str, Any] = {}
    writers: dict[str, Any] = {}
    count = 0
    try:
        for rows in _batches(dataset, top, progress):
            for entry, record, raw, _nested in rows:
                res = schema.resources[entry.resource]
                if res.name not in writers:
                    files[res.name] = (out / f"{res.name}.csv").open("w", encoding="utf-8",
                                                                     newline="")
                    writers[res.name] = csv.writer(files[res.name])
                    writers[res.name].writerow(_csv_header(res))
                writers[res.name].writerow(_csv_row(res, record, raw))
                count += 1
    finally:
        for stream in files.values():
            stream.close()
    return count


def _csv_header(res: Resource) -> list[str]:
    links = list(dict.fromkeys(link.link for link in res.links))
    return ["uuid", *res.meta_columns[1:], *links, *res.data_fields]


def _csv_row(res: Resource, record: Record, raw: dict[str, Any] | None) -> list[str]:
    meta = _meta(res, record, raw)
    names = res.meta
    roles = {names.modified_on: "modified_on", names.created_on: "created_on",
             names.deleted: "deleted", names.mci: "mci"}
    row = [meta.get("uuid", "")]
    row += [meta.get(roles[column], "") for column in res.meta_columns[1:]]
    for link in dict.fromkeys(link.link for link in res.links):
        masters = [m.master for m in res.links if m.link == link]
        if record.master and record.master[0] in masters:
            prefix = f"{record.master[0]}:" if len(masters) > 1 else ""
            row.append(prefix + record.master[1])
        else:
            row.append("")
    bad = _bad_fields(record) if raw else set()
    for name in res.data_fields:
        value = raw.get(name) if raw and name in bad else record.values.get(name)
        if value is None:
            row.append("")
        elif res.columns[name].kind is Kind.JSON and not (raw and name in bad):
            row.append(json.dumps(value))
        elif isinstance(value, bool):
            row.append("true" if value else "false")
        elif isinstance(value, float):
            row.append(repr(value))
        else:
            row.append(value if isinstance(value, str) else _text(value))
    return row
