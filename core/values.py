"""Typing values by THIS's column kinds, and encoding them back for a write (docs/semantics.md,
Values and timestamps).

Converters are built once per column and raise `ValueError` with a readable message;
the caller turns that into a per-record `Problem` naming the field.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.schema import Column, Kind
from core.timestamps import parse_date, parse_timestamp, to_utc

Converter = Callable[[Any], Any]

_INTEGER_TEXT = re.compile(r"\s*[+-]?\d+\s*\Z")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT64_DIGITS = 19
_DECIMAL_EXPONENT = 308  # a float's range: SQLite keeps decimals as floats
_JSON_DEPTH = 64
_SHOWN = 60  # characters of a bad value quoted in its message
_TRUE = frozenset({"t", "true", "1", "yes", "y", "on"})
_FALSE = frozenset({"f", "false", "0", "no", "n", "off"})


def to_integer(value: Any) -> int:
    """An integer a 64-bit signed column can hold (every engine we write to has one)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return _in_range(value, value)
    if isinstance(value, float) and value.is_integer():
        return _in_range(int(value), value)
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return _in_range(int(value), value)
    if isinstance(value, str) and _INTEGER_TEXT.match(value):
        digits = value.strip().lstrip("+-")
        # Checked before int(): a 5,000-digit text must not cost a big-number parse.
        if len(digits.lstrip("0")) > _INT64_DIGITS:
            raise ValueError(f"integer out of range (-2^63 to 2^63-1): {_short(value)}")
        return _in_range(int(value), value)
    raise ValueError(f"not an integer: {_short(value)}")


def _in_range(number: int, raw: Any) -> int:
    if _INT64_MIN <= number <= _INT64_MAX:
        return number
    raise ValueError(f"integer out of range (-2^63 to 2^63-1): {_short(raw)}")


def to_float(value: Any) -> float:
    """A finite float: NaN and infinities are refused (they have no JSON, SQLite stores
    NaN as NULL, and NaN is not equal to itself, so it would never match)."""
    number: float | None = None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            raise ValueError(f"number out of range: {_short(value)}") from None
    elif isinstance(value, str):
        with contextlib.suppress(ValueError):
            number = float(value)
    if number is None:
        raise ValueError(f"not a number: {_short(value)}")
    if not math.isfinite(number):
        raise ValueError(f"not a finite number: {_short(value)}")
    return number


def to_decimal(value: Any) -> Decimal:
    """A finite decimal whose exponent a float (SQLite's storage) can also hold."""
    number: Decimal | None = None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
        with contextlib.suppress(InvalidOperation):
            number = Decimal(str(value).strip())
    if number is None:
        raise ValueError(f"not a decimal number: {_short(value)}")
    if not number.is_finite():
        raise ValueError(f"not a finite number: {_short(value)}")
    if number and not -_DECIMAL_EXPONENT <= number.adjusted() <= _DECIMAL_EXPONENT:
        raise ValueError(f"number out of range: {_short(value)}")
    return number


# The usual spellings, exactly as stored (Eden's 'T'/'F'): one lookup, no strip/lower.
_BOOLEAN_TEXT = {
    spelled: truth
    for words, truth in ((_TRUE, True), (_FALSE, False))
    for word in words
    for spelled in (word, word.upper(), word.capitalize())
}


def to_boolean(value: Any) -> bool:
    if type(value) is str:
        found = _BOOLEAN_TEXT.get(value)
        if found is not None:
            return found
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
    raise ValueError(f"not a boolean: {_short(value)}")


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise ValueError(f"not a date: {_short(value)}")


# Text → its parsed timestamp, for the texts seen last: stored timestamps repeat (both
# sides of a record were mostly created at the same time, imports write whole batches
# at one time), so most are parsed once and a plan holds one object per time, not one per
# field. Bounded: cleared when full. Only valid texts are kept (a bad one raises anew).
_PARSED: dict[str, datetime] = {}
_PARSED_MAX = 4096


def to_datetime(value: Any) -> datetime:
    if type(value) is str:
        found = _PARSED.get(value)
        if found is None:
            found = parse_timestamp(value)
            if len(_PARSED) >= _PARSED_MAX:
                _PARSED.clear()
            _PARSED[value] = found
        return found
    if isinstance(value, (datetime, date)):
        return to_utc(value)
    if isinstance(value, str):
        return parse_timestamp(value)
    raise ValueError(f"not a timestamp: {_short(value)}")


def to_json(value: Any) -> Any:
    """A JSON value: text is parsed; NaN and infinities (not JSON) are refused."""
    if isinstance(value, str):
        try:
            value = json.loads(value, parse_constant=_no_constant)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not JSON: {exc}") from None
        except RecursionError:
            raise ValueError("not JSON: nested too deep") from None
    _check_finite(value, 0)
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"not JSON: {name} is not a JSON number")


def _check_finite(value: Any, depth: int) -> None:
    if depth > _JSON_DEPTH:
        raise ValueError(f"JSON nested deeper than {_JSON_DEPTH} levels")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"not JSON: {value!r} is not a JSON number")
    if isinstance(value, dict):
        for item in value.values():
            _check_finite(item, depth + 1)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _check_finite(item, depth + 1)


def to_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return value.decode("utf-8", "replace")
    return str(value)


_HELD_ONCE = frozenset({str, int, bool, date})


def held_once(this: Any, other: Any) -> Any:
    """THIS's value, or OTHER's object when the two are the same value in every respect
    (same type, equal, and for timestamps the same zone and fold): a vector then holds
    one object where it held two equal copies (most of a vector's fields do not differ).

    Floats (0.0 == -0.0) and decimals (1.0 == 1.00) are left alone: equal is not the same."""
    if this is other or type(this) is not type(other):
        return this
    if type(this) is datetime:
        if this == other and this.tzinfo is other.tzinfo and this.fold == other.fold:
            return other
        return this
    return other if type(this) in _HELD_ONCE and this == other else this


def _short(value: Any) -> str:
    """A bad value as quoted in a message: cut first, so a huge value costs nothing."""
    if isinstance(value, str) and len(value) > _SHOWN:
        return repr(value[:_SHOWN]) + "…"
    if isinstance(value, int) and value.bit_length() > 256:
        return f"an integer of {value.bit_length()} bits"
    text = repr(value)
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


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


def raw_converter(column: Column) -> Converter:
    """The function that types a raw value for `column` that is not None."""
    return to_boolean if column.char_boolean else _CONVERTERS[column.kind]


def converter(column: Column) -> Converter:
    """The function that types a raw value for `column`; None passes through."""
    convert = raw_converter(column)

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
            if utc.year >= 1000:  # isoformat spells these as strftime does, 5x faster
                return utc.replace(tzinfo=None).isoformat(" ")
            fmt = "%Y-%m-%d %H:%M:%S.%f" if utc.microsecond else "%Y-%m-%d %H:%M:%S"
            return utc.strftime(fmt)
        return utc if column.tz_aware else utc.replace(tzinfo=None)

    return encode
