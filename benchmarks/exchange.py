"""OTHER's database written as S3XML / S3JSON the way Eden writes them, streamed.

This writer is also the export's floor: lxml's incremental `xmlfile` writing the same
elements Truce's export writes, reading the rows with plain sqlite3 (references turned
into uuids by joins inside SQLite, components merged with their person by `pe_id`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lxml import etree

# (field, kind): "text" is element text / a JSON string, "value" a JSON value attribute,
# "bool" an Eden CHAR(1) boolean, "ref" a reference to gis_location by uuid.
_PERSON = (
    ("missing", "bool"),
    ("first_name", "text"),
    ("middle_name", "text"),
    ("last_name", "text"),
    ("gender", "value"),
    ("date_of_birth", "text"),
    ("deceased", "bool"),
    ("comments", "text"),
    ("location_id", "ref"),
)
_ADDRESS = (
    ("type", "value"),
    ("location_id", "ref"),
    ("is_base_location", "bool"),
    ("comments", "text"),
)
_LOCATION = (
    ("name", "text"),
    ("level", "text"),
    ("gis_feature_type", "value"),
    ("lat", "value"),
    ("lon", "value"),
)
_META = ("uuid", "mci", "deleted", "created_on", "modified_on")
_BATCH = 5000


def _select(table: str, fields: tuple[tuple[str, str], ...], order: str) -> str:
    columns = [f"l.uuid AS {name}" if kind == "ref" else f"t.{name}" for name, kind in fields]
    return (
        f"SELECT t.pe_id, {', '.join('t.' + m for m in _META)}, {', '.join(columns)} "
        f"FROM {table} t LEFT JOIN gis_location l ON l.id = t.location_id ORDER BY {order}"
    )


def _rows(conn: sqlite3.Connection, sql: str) -> Iterator[tuple]:
    cursor = conn.execute(sql)
    while batch := cursor.fetchmany(_BATCH):
        yield from batch


def records(db: Path) -> Iterator[tuple[str, tuple, list[tuple]]]:
    """(resource, row, component rows): locations, then persons with their addresses."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    loc_sql = (
        f"SELECT NULL, {', '.join(_META)}, {', '.join(f for f, _ in _LOCATION)} "
        "FROM gis_location ORDER BY id"
    )
    for row in _rows(conn, loc_sql):
        yield "gis_location", row, []
    addresses = _rows(conn, _select("pr_address", _ADDRESS, "t.pe_id, t.id"))
    pending = next(addresses, None)
    for person in _rows(conn, _select("pr_person", _PERSON, "t.pe_id")):
        mine = []
        while pending is not None and pending[0] == person[0]:
            mine.append(pending)
            pending = next(addresses, None)
        yield "pr_person", person, mine
    conn.close()


_FIELDS = {"gis_location": _LOCATION, "pr_person": _PERSON, "pr_address": _ADDRESS}


def _meta(row: tuple) -> dict[str, str]:
    uuid, mci, deleted, created, modified = row[1:6]
    attrs = {"uuid": uuid}
    if created:
        attrs["created_on"] = created.replace(" ", "T")
    if modified:
        attrs["modified_on"] = modified.replace(" ", "T")
    if mci is not None:
        attrs["mci"] = str(mci)
    if deleted == "T":
        attrs["deleted"] = "true"
    return attrs


def _element(resource: str, row: tuple) -> etree._Element:
    elem = etree.Element("resource", name=resource, **_meta(row))
    sub = etree.SubElement
    for (name, kind), value in zip(_FIELDS[resource], row[6:], strict=True):
        if value is None:
            continue
        if kind == "ref":
            sub(elem, "reference", field=name, resource="gis_location", uuid=value)
        elif kind == "text":
            sub(elem, "data", field=name).text = value
        elif kind == "bool":
            sub(elem, "data", field=name, value="true" if value == "T" else "false")
        else:
            sub(elem, "data", field=name, value=json.dumps(value))
    return elem


def write_xml(db: Path, out: Path) -> int:
    count = 0
    with etree.xmlfile(str(out), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("s3xml"):
            for resource, row, components in records(db):
                elem = _element(resource, row)
                for component in components:
                    elem.append(_element("pr_address", component))
                xf.write(elem)
                count += 1 + len(components)
    return count


def _item(resource: str, row: tuple) -> dict[str, Any]:
    item: dict[str, Any] = {"@" + k: v for k, v in _meta(row).items()}
    for (name, kind), value in zip(_FIELDS[resource], row[6:], strict=True):
        if value is None:
            continue
        if kind == "ref":
            item["$k_" + name] = {"@resource": "gis_location", "@uuid": value}
        elif kind == "text":
            item[name] = value
        elif kind == "bool":
            item[name] = {"@value": value == "T"}
        else:
            item[name] = {"@value": value}
    return item


def write_json(db: Path, out: Path) -> int:
    count = 0
    current = None
    with out.open("w", encoding="utf-8") as stream:
        stream.write("{")
        first = True
        for resource, row, components in records(db):
            if resource != current:
                stream.write(("], " if current else "") + json.dumps("$_" + resource) + ": [")
                current, first = resource, True
            item = _item(resource, row)
            if components:
                item["$_pr_address"] = [_item("pr_address", c) for c in components]
            stream.write(("" if first else ",") + json.dumps(item, ensure_ascii=False))
            first = False
            count += 1 + len(components)
        stream.write(("]" if current else "") + "}\n")
    return count
