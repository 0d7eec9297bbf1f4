"""One S3XML `<data>` child straight from a stored value (docs/semantics.md, Exports).

A column's writer gives the markup that typing the value into a `Record` and encoding it
(`encoding.xml_value`, escaped as lxml writes it) would give, or None when the typed
value is None (the field is left out); a value that does not type is a `ValueError`. The
common stored forms (text, integers, floats, Eden's 'T'/'F', naive timestamps, dates)
take a shortcut, and what they produce needs no escaping."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from core.export.encoding import xml_value
from core.export.xmltext import attribute, text
from core.schema import Column, Kind
from core.timestamps import format_timestamp
from core.values import converter, to_datetime

Writer = Callable[[Any], str | None]

# Text that is written as it is: nothing to escape, nothing XML cannot carry.
_SPECIAL_TEXT = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")
_NAIVE_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}\Z")
_PLAIN_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def stamp_text(raw: Any) -> str:
    """A stored timestamp as `format_timestamp` writes it once typed (ValueError if bad);
    the text is digits and `-:.TZ`, never escaped."""
    if type(raw) is str and len(raw) == 19 and _NAIVE_STAMP.match(raw):
        datetime.fromisoformat(raw)  # the check typing makes (a 30 February is refused)
        return f"{raw[:10]}T{raw[11:]}Z"
    return format_timestamp(to_datetime(raw))


def markup(tag: str, value: str | None, content: str | None) -> str:
    """`tag` (an open start tag) with an optional value attribute and text, closed."""
    if value is not None:
        tag = f'{tag} value="{attribute(value)}"'
    return f"{tag}/>" if content is None else f"{tag}>{text(content)}</data>"


def writer(name: str, column: Column) -> Writer:
    """The `<data>` child of `column` for a stored value that is not None."""
    tag = f'<data field="{attribute(name)}"'
    kind = column.kind
    convert = converter(column)

    def typed(raw: Any) -> str | None:
        value = convert(raw)
        return None if value is None else markup(tag, *xml_value(value, kind))

    if column.char_boolean or kind is Kind.BOOLEAN:
        flags = {"T": f'{tag} value="true"/>', "F": f'{tag} value="false"/>'}
        return lambda raw: (type(raw) is str and flags.get(raw)) or typed(raw)
    if kind is Kind.STRING:
        start = tag + ">"

        def string(raw: Any) -> str | None:
            if type(raw) is not str:
                return typed(raw)
            if _SPECIAL_TEXT.search(raw) is None:
                return f"{start}{raw}</data>"
            return markup(tag, *xml_value(raw, kind))

        return string
    if kind is Kind.INTEGER:
        return lambda raw: (
            f'{tag} value="{raw}"/>'
            if type(raw) is int and _INT64_MIN <= raw <= _INT64_MAX
            else typed(raw)
        )
    if kind is Kind.FLOAT:
        return lambda raw: (
            f'{tag} value="{raw!r}"/>' if type(raw) is float and math.isfinite(raw) else typed(raw)
        )
    if kind is Kind.DATETIME:
        return lambda raw: f"{tag}>{stamp_text(raw)}</data>"
    if kind is Kind.DATE:
        return lambda raw: (
            f"{tag}>{date.fromisoformat(raw).isoformat()}</data>"
            if type(raw) is str and _PLAIN_DATE.match(raw)
            else typed(raw)
        )
    return typed
