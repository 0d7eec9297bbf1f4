"""The three export formats, each written as a stream: S3XML, S3JSON, a CSV folder."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from core.export.encoding import (
    bad_fields,
    json_value,
    jsonable,
    link_of,
    meta_attributes,
    present_fields,
    text_of,
)
from core.export.rows import Typing, rows
from core.export.selection import Entry, age
from core.export.xmlrows import Elements, close
from core.export.xmltext import attribute
from core.progress import Progress
from core.records import Record
from core.schema import Kind, Resource
from core.sources.sql import SqlDataset
from core.timestamps import format_timestamp


def write_xml(
    dataset: SqlDataset, out: Path, top: list[Entry], muntil: datetime | None, progress: Progress
) -> int:
    """S3XML written as text, byte for byte what lxml's `xmlfile` writes for the same
    elements (core.export.xmltext); a component goes inside its master's element."""
    count = 0
    root = f' muntil="{attribute(format_timestamp(muntil))}"' if muntil else ""
    elements = Elements(dataset.schema, Typing(dataset))
    with out.open("w", encoding="utf-8", newline="") as stream:
        stream.write(f"<?xml version='1.0' encoding='utf-8'?>\n<s3xml{root}>")
        head: str | None = None
        body: list[str] = []
        for entry, row, nested in rows(dataset, top, progress):
            start, children = elements.parts(entry, row, nested)
            if nested and head is not None:
                body.append(close(start, children))
            else:
                if head is not None:
                    stream.write(close(head, "".join(body)))
                head, body = start, [children]
            count += 1
        if head is not None:
            stream.write(close(head, "".join(body)))
        stream.write("</s3xml>")
    return count


def write_json(
    dataset: SqlDataset, out: Path, top: list[Entry], muntil: datetime | None, progress: Progress
) -> int:
    schema = dataset.schema
    order = {name: n for n, name in enumerate(schema.order())}
    top = sorted(top, key=lambda e: (order[e.resource], age(e)))
    count = 0
    with out.open("w", encoding="utf-8") as stream:
        stream.write("{")
        stream.write(f'"@muntil": {json.dumps(format_timestamp(muntil))}')
        current: str | None = None
        pending: dict[str, Any] | None = None
        first = True
        typing = Typing(dataset)
        for entry, row, nested in rows(dataset, top, progress):
            res = schema.resources[entry.resource]
            record, raw = typing.record(entry, row)
            if nested and pending is not None:
                pending.setdefault("$_" + res.name, []).append(
                    _json_record(res, record, raw, nested=True)
                )
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


def _json_record(
    res: Resource, record: Record, raw: dict[str, Any] | None, *, nested: bool
) -> dict[str, Any]:
    item: dict[str, Any] = {"@" + k: v for k, v in meta_attributes(res, record, raw).items()}
    bad = bad_fields(record) if raw else set()
    if not nested and record.master is not None:
        link = link_of(res, record.master[0])
        if link:
            item["$k_" + link] = {"@resource": record.master[0], "@uuid": record.master[1]}
    for name in present_fields(res, record, raw):
        ref = res.references.get(name)
        if ref is not None:
            item["$k_" + name] = {"@resource": ref.target, "@uuid": record.values[name]}
        elif raw and name in bad:
            value = raw.get(name)
            item[name] = value if isinstance(value, str) else {"@value": jsonable(value)}
        else:
            item[name] = json_value(record.values[name], res.columns[name].kind)
    return item


def write_csv(
    dataset: SqlDataset, out: Path, top: list[Entry], muntil: datetime | None, progress: Progress
) -> int:
    """One `<resource>.csv` per resource; components carry their master's uuid."""
    out.mkdir(parents=True, exist_ok=True)
    schema = dataset.schema
    files: dict[str, Any] = {}
    writers: dict[str, Any] = {}
    count = 0
    try:
        typing = Typing(dataset)
        for entry, row, _nested in rows(dataset, top, progress):
            res = schema.resources[entry.resource]
            record, raw = typing.record(entry, row)
            if res.name not in writers:
                files[res.name] = (out / f"{res.name}.csv").open("w", encoding="utf-8", newline="")
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
    meta = meta_attributes(res, record, raw)
    names = res.meta
    roles = {
        names.modified_on: "modified_on",
        names.created_on: "created_on",
        names.deleted: "deleted",
        names.mci: "mci",
    }
    row = [meta.get("uuid", "")]
    row += [meta.get(roles[column], "") for column in res.meta_columns[1:]]
    for link in dict.fromkeys(link.link for link in res.links):
        masters = [m.master for m in res.links if m.link == link]
        if record.master and record.master[0] in masters:
            prefix = f"{record.master[0]}:" if len(masters) > 1 else ""
            row.append(prefix + record.master[1])
        else:
            row.append("")
    # A value that did not type is written as stored; a reference always as its uuid.
    bad = (bad_fields(record) - set(res.references)) if raw else set()
    for name in res.data_fields:
        value = raw.get(name) if raw and name in bad else record.values.get(name)
        if value is None:
            row.append("")
        elif res.columns[name].kind is Kind.JSON and name not in bad:
            row.append(json.dumps(value))
        elif isinstance(value, bool):
            row.append("true" if value else "false")
        elif isinstance(value, float):
            row.append(repr(value))
        else:
            row.append(value if isinstance(value, str) else text_of(value))
    return row
