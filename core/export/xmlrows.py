"""S3XML `<resource>` elements written as text straight from plain rows (docs/semantics.md,
Exports).

Each value goes through its column's writer (core.export.xmlvalues), which gives what
typing it into a `Record` and encoding that would give. A row with any value that does
not type (or without uuid, or a component without master) is built the long way, from
its typed record and raw values through lxml, so its faults are written exactly as
before."""

from __future__ import annotations

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
from core.export.xmltext import attribute
from core.export.xmlvalues import Writer, stamp_text, writer
from core.records import Record
from core.schema import Resource, Schema
from core.values import to_boolean, to_integer

_FLAGS = {"T": True, "F": False}
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


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
        # (position in the row, its `<data>` writer, "") of a value, or
        # (uuid index, None, '<reference field="…" resource="…"') of a reference
        self.fields: list[tuple[int, Writer | None, str]] = []
        for pos, name in enumerate(shape.fields, start=6):
            ref = res.references.get(name)
            if ref is not None and name in uuid_at:
                tag = f'<reference field="{attribute(name)}" resource="{attribute(ref.target)}"'
                self.fields.append((uuid_at[name], None, tag))
            else:
                self.fields.append((pos, writer(name, res.columns[name]), ""))
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
            for pos, write, tag in self.fields:
                if write is None:
                    target_uuid = uuids[pos]
                    if target_uuid is not None:
                        body.append(f'{tag} uuid="{attribute(target_uuid)}"/>')
                    continue
                raw = row[pos]
                if raw is not None and (child := write(raw)) is not None:
                    body.append(child)
        except ValueError:
            raise _Slow from None
        return head, "".join(body)

    def _meta(self, entry: Entry, row: Any) -> str:
        found = f' uuid="{attribute(entry.uuid)}"'  # type: ignore[arg-type]
        modified, created, deleted, mci = row[2], row[3], row[4], row[5]
        if created is not None:
            found += f' created_on="{stamp_text(created)}"'
        if modified is not None:
            found += f' modified_on="{stamp_text(modified)}"'
        if deleted is not None:
            flag = _FLAGS.get(deleted) if type(deleted) is str else None
            if flag if flag is not None else to_boolean(deleted):
                found += ' deleted="true"'
        if mci is not None:
            # Eden counts the copy being made: its exporter writes the stored value + 1.
            if type(mci) is not int or not _INT64_MIN <= mci <= _INT64_MAX:
                mci = to_integer(mci)
            found += f' mci="{mci + 1}"'
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
