"""Typing values by THIS's column kinds, and encoding them back for a write (docs/semantics.md,
Values and timestamps).

Converters are built once per column and raise `ValueError` with a readable message;
the caller turns that into a per-record `Problem` naming the field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.schema import Column, Kind
from core.timestamps import parse_date, parse_timestamp, to_utc

Converter = Callable[[Any], Any]

_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*\Z")
_TRUE = frozenset({"t", "true", "1", "yes", "y", "on"})
_FALSE = frozenset({"f", "false", "0", "no", "n", "off"})


def to_integer(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and _INTEGER_TEXT.match(value):
        return int(value)
    raise ValueError(f"not an integer: {value!r}")


def to_float(value: Any) -> float:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ValueError(f"not a number: {value!r}")


def to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            pass
    raise ValueError(f"not a decimal number: {value!r}")


def to_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"not a boolean: {value!r}")


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise ValueError(f"not a date: {value!r}")


def to_datetime(value: Any) -> datetime:
    if isinstance(value, (datetime, date)):
        return to_utc(value)
    if isinstance(value, str):
        return parse_timestamp(value)
    raise ValueError(f"not a timestamp: {value!r}")


def to_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from None
    return value


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


_CONVERTERS: dict[Kind, Converter] = {
    Kind.STRING: to_string,
    Kind.INTEGER: to_integer,
    Kind.FLOAT: to_float,
    Kind.DECIMAL: to_decimal,
    Kind.BOOLEAN: to_boolean,
    Kind.DATE: to_date,
    Kind.DATETIME: to_datetime,
    Kind.JSON: to_json,
    Kind.OTHER: lambda v: v,
}


def converter(column: Column) -> Converter:
    """The function that types a raw value for `column`; None passes through."""
    convert = to_boolean if column.char_boolean else _CONVERTERS[column.kind]

    def typed(value: Any) -> Any:
        return None if value is None else convert(value)

    return typed


def encoder(column: Column, dialect: str) -> Converter:
    """The function that turns a typed value into what the column stores."""
    if column.char_boolean:
        return lambda v: None if v is None else ("T" if v else "F")
    kind = column.kind
    if kind is Kind.DATETIME:
        return _datetime_encoder(column)
    if kind is Kind.DATE and column.text_storage:
        return lambda v: None if v is None else v.isoformat()
    if kind is Kind.DECIMAL and dialect == "sqlite":
        return lambda v: None if v is None else float(v)
    if kind is Kind.JSON:
        return lambda v: None if v is None else json.dumps(v)
    return lambda v: v


def _datetime_encoder(column: Column) -> Converter:
    # Write back the way the column already holds times: Eden-style text without
    # microseconds on SQLite, naive UTC (or aware, for timestamptz) on a server.
    def encode(value: datetime | None) -> Any:
        if value is None:
            return None
        utc = to_utc(value)
        if column.text_storage:
            fmt = "%Y-%m-%d %H:%M:%S.%f" if utc.microsecond else "%Y-%m-%d %H:%M:%S"
            return utc.strftime(fmt)
        return utc if column.tz_aware else utc.replace(tzinfo=None)

    return encode
