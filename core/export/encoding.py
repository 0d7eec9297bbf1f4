"""Values and meta fields as Eden writes them in S3XML and S3JSON."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from core.records import Record
from core.schema import Kind, Resource
from core.timestamps import format_timestamp

# Text XML cannot carry (control characters) or that a parser would normalise (\r).
_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")


def bad_fields(record: Record) -> set[str]:
    return {p.field for p in record.problems if p.field}


def xml_value(value: Any, kind: Kind) -> tuple[str | None, str | None]:
    """(value attribute, text) for one field, the way Eden writes them."""
    if kind is Kind.JSON or value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value), None
    text = value if isinstance(value, str) else text_of(value)
    # Text XML cannot carry goes in a JSON value attribute (bytes decode to any text).
    return (json.dumps(text), None) if _NOT_XML_TEXT.search(text) else (None, text)


def json_value(value: Any, kind: Kind) -> Any:
    if kind is Kind.JSON or value is None or isinstance(value, (bool, int, float)):
        return {"@value": value}
    return value if isinstance(value, str) else text_of(value)


def text_of(value: Any) -> str:
    if isinstance(value, datetime):
        return format_timestamp(value) or ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


def raw_xml(raw: Any) -> tuple[str | None, str | None]:
    if isinstance(raw, str):
        return xml_value(raw, Kind.STRING)
    try:
        return json.dumps(raw), None
    except (TypeError, ValueError):
        return xml_value(text_of(raw), Kind.STRING)


def meta_attributes(res: Resource, record: Record, raw: dict[str, Any] | None) -> dict[str, str]:
    """uuid, created_on, modified_on, deleted, mci as attribute text (raw when bad)."""
    names = res.meta
    bad = bad_fields(record) if raw else set()
    meta: dict[str, str] = {}
    if record.uuid is not None:
        meta["uuid"] = record.uuid
    for role, column, value in (
        ("created_on", names.created_on, record.created_on),
        ("modified_on", names.modified_on, record.modified_on),
    ):
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
        # Eden counts the copy being made: its exporter writes the stored value + 1.
        meta["mci"] = str(record.mci + 1)
    return meta


def present_fields(res: Resource, record: Record, raw: dict[str, Any] | None) -> list[str]:
    """The data fields to write: NULL is left out, as Eden's exporter does (its importer
    would validate the text "None"); read back, an absent field says nothing. A reference
    is written only with its target's uuid, even when its stored key did not type."""
    bad = bad_fields(record) if raw else set()
    return [
        name
        for name in res.data_fields
        if (
            raw.get(name) is not None
            if raw and name in bad and name not in res.references
            else record.values.get(name) is not None
        )
    ]


def link_of(res: Resource, master: str) -> str | None:
    return next((link.link for link in res.links if link.master == master), None)


def jsonable(value: Any) -> Any:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return text_of(value)
    return value
