"""S3XML elements built straight from plain rows (docs/semantics.md, Exports).

Each value is formatted from its stored form by its column's formatter, which gives the
text typing it into a `Record` and encoding that (`encoding.xml_value`) would give; the
common stored forms (text, integers, floats, Eden's 'T'/'F', naive timestamps and dates)
take a shortcut. A row with any value that does not type (or without uuid, or a
component without master) is built the long way, from its typed record and raw values,
so its faults are written exactly as before."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from lxml import etree

from core.export.encoding import (
    bad_fields,
    link_of,
    meta_attributes,
    present_fields,
    raw_xml,
    xml_value,
)
from core.export.rows import Typing
from core.export.selection import Entry
from core.export.xmltext import attribute, text
from core.records import Record
from core.schema import Column, Kind, Resource, Schema
from core.timestamps import format_timestamp
from core.values import converter, to_boolean, to_datetime, to_integer

# (value attribute, text), or None when the typed value is None (the field is left out).
Formatted = tuple[str | None, str | None] | None
Formatter = Callable[[Any], Formatted]

_NOT_XML_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ufffe\uffff]")
_NAIVE_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\Z")
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_CHAR_BOOLEAN = {"T": ("true", None), "F": ("false", None)}
_FLAGS = {"T": True, "F": False}


def stamp_text(raw: Any) -> str:
    """A stored timestamp as `format_timestamp` writes it once typed (ValueError if bad)."""
    if type(raw) is str and len(raw) == 19 and _NAIVE_STAMP.match(raw):
        datetime.fromisoformat(raw)  # the check typing makes (a 30 February is refused)
        return f"{raw[:10]}T{raw[11:]}Z"
    return format_timestamp(to_datetime(raw))


def formatter(column: Column) -> Formatter:
    kind = column.kind
    convert = converter(column)

    def typed(raw: Any) -> Formatted:
        value = convert(raw)
        return None if value is None else xml_value(value, kind)

    if column.char_boolean or kind is Kind.BOOLEAN:
        return lambda raw: (type(raw) is str and _CHAR_BOOLEAN.get(raw)) or typed(raw)
    if kind is Kind.STRING:
        return lambda raw: (
            ((json.dumps(raw), None) if _NOT_XML_TEXT.search(raw) else (None, raw))
            if type(raw) is str
            else typed(raw)
        )
    if kind is Kind.INTEGER:
        return lambda raw: (
            (str(raw), None) if type(raw) is int and _INT64_MIN <= raw <= _INT64_MAX else typed(raw)
        )
    if kind is Kind.FLOAT:
        return lambda raw: (
            (repr(raw), None) if type(raw) is float and math.isfinite(raw) else typed(raw)
        )
    if kind is Kind.DATETIME:
        return lambda raw: (None, stamp_text(raw))
    if kind is Kind.DATE:
        return lambda raw: (
            (None, date.fromisoformat(raw).isoformat())
            if type(raw) is str and _PLAIN_DATE.match(raw)
            else typed(raw)
        )
    return typed


class _Slow(Exception):
    """This row is written from its typed record."""


# A record as text: its start tag without the closing ">", and its children.
Parts = tuple[str, str]


class Layout:
    """How one resource's plain rows become `<resource>` elements, as text."""

    def __init__(self, res: Resource, typing: Typing) -> None:
        shape = typing.shapes[res.name]
        self.res = res
        self.start = f'<resource name="{attribute(res.name)}"'
        first = 6 + len(shape.fields)
        uuid_at = {ref.field: pos - first for _, pos, ref in shape.references}
        # (position in the row, formatter, '<data field="…"') of a value, or
        # (uuid index, None, '<reference field="…" resource="…"') of a reference
        self.fields: list[tuple[int, Formatter | None, str]] = []
        for pos, name in enumerate(shape.fields, start=6):
            ref = res.references.get(name)
            if ref is not None and name in uuid_at:
                tag = f'<reference field="{attribute(name)}" resource="{attribute(ref.target)}"'
                self.fields.append((uuid_at[name], None, tag))
            else:
                tag = f'<data field="{attribute(name)}"'
                self.fields.append((pos, formatter(res.columns[name]), tag))
        self.masters = []
        for pos, link in shape.links:
            field = link_of(res, link.master)
            tag = (
                f'<reference field="{attribute(field)}" resource="{attribute(link.master)}"'
                if field
                else ""
            )
            self.masters.append((pos - first, tag))
        self.has_links = bool(res.links)

    def parts(self, entry: Entry, row: Any, nested: bool) -> Parts:
        """The record's start tag and children (its components are added by the writer)."""
        if entry.uuid is None:
            raise _Slow
        uuids = entry.uuids
        master = next(((tag, u) for i, tag in self.masters if (u := uuids[i])), None)
        if self.has_links and master is None:
            raise _Slow  # a component without master: a record with a problem
        try:
            head = self.start + self._meta(entry, row)
            body = []
            if not nested and master is not None and master[0]:
                body.append(f'{master[0]} uuid="{attribute(master[1])}"/>')
            for pos, fmt, tag in self.fields:
                if fmt is None:
                    target_uuid = uuids[pos]
                    if target_uuid is not None:
                        body.append(f'{tag} uuid="{attribute(target_uuid)}"/>')
                    continue
                raw = row[pos]
                if raw is None:
                    continue
                formatted = fmt(raw)
                if formatted is None:
                    continue
                value, content = formatted
                if value is not None:
                    tag = f'{tag} value="{attribute(value)}"'
                body.append(f"{tag}/>" if content is None else f"{tag}>{text(content)}</data>")
        except ValueError:
            raise _Slow from None
        return head, "".join(body)

    def _meta(self, entry: Entry, row: Any) -> str:
        found = f' uuid="{attribute(entry.uuid)}"'  # type: ignore[arg-type]
        modified, created, deleted, mci = row[2], row[3], row[4], row[5]
        if created is not None:
            found += f' created_on="{attribute(stamp_text(created))}"'
        if modified is not None:
            found += f' modified_on="{attribute(stamp_text(modified))}"'
        if deleted is not None:
            flag = _FLAGS.get(deleted) if type(deleted) is str else None
            if flag if flag is not None else to_boolean(deleted):
                found += ' deleted="true"'
        if mci is not None:
            found += f' mci="{to_integer(mci) + 1}"'
        return found


class Elements:
    """`<resource>` elements of a dataset's plain rows, as text: the short way when every
    value types, else from the typed record through lxml."""

    def __init__(self, schema: Schema, typing: Typing) -> None:
        self.typing = typing
        self.layouts = {name: Layout(res, typing) for name, res in schema.resources.items()}

    def parts(self, entry: Entry, row: Any, nested: bool) -> Parts:
        layout = self.layouts[entry.resource]
        try:
            return layout.parts(entry, row, nested)
        except _Slow:
            record, raw = self.typing.record(entry, row)
            element = record_element(layout.res, record, raw, nested=nested)
            return split(etree.tostring(element, encoding="unicode"))


def split(written: str) -> Parts:
    """An element lxml wrote, as (start tag without ">", children)."""
    if written.endswith("/>") and written.index(">") == len(written) - 1:
        return written[:-2], ""
    end = written.index(">")  # lxml escapes ">" in attribute values
    return written[:end], written[end + 1 : -len("</resource>")]


def close(head: str, body: str) -> str:
    return f"{head}>{body}</resource>" if body else f"{head}/>"


def record_element(
    res: Resource, record: Record, raw: dict[str, Any] | None, *, nested: bool
) -> etree._Element:
    attributes = {"name": res.name, **meta_attributes(res, record, raw)}
    elem = etree.Element("resource", attributes)
    bad = bad_fields(record) if raw else set()
    if not nested and record.master is not None:
        link = link_of(res, record.master[0])
        if link:
            etree.SubElement(
                elem, "reference", field=link, resource=record.master[0], uuid=record.master[1]
            )
    for name in present_fields(res, record, raw):
        ref = res.references.get(name)
        if ref is not None:
            attrs = {"field": name, "resource": ref.target, "uuid": record.values[name]}
            etree.SubElement(elem, "reference", attrs)
            continue
        if raw and name in bad:
            value, text = raw_xml(raw.get(name))
        else:
            value, text = xml_value(record.values[name], res.columns[name].kind)
        child = etree.SubElement(elem, "data", field=name)
        if value is not None:
            child.set("value", value)
        child.text = text
    return elem
