"""Strict ISO 8601 timestamps, always compared in UTC (docs/semantics.md, Values and timestamps)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import overload

# fromisoformat alone is too lenient (week dates, basic format, "2024"), so the shape is
# checked first; fromisoformat then does the fast parse (PERF-NOTES: ~40x dateutil).
_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}"
    r"(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?\Z"
)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


class TimestampError(ValueError):
    """A value that is not a strict ISO 8601 timestamp or date."""


def parse_timestamp(text: str) -> datetime:
    """Parse ISO 8601 text into an aware UTC datetime; a naive value means UTC."""
    text = text.strip()
    if not _ISO_DATETIME.match(text):
        raise TimestampError(f"not an ISO 8601 timestamp: {text!r}")
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise TimestampError(f"not a valid timestamp: {text!r} ({exc})") from None
    return to_utc(value)


def to_utc(value: datetime | date) -> datetime:
    """An aware UTC datetime; naive values are taken as UTC, dates as midnight UTC.

    A time whose UTC equivalent falls outside years 1–9999 (`0001-01-01T00:30+01:00`)
    is a `TimestampError`, never an `OverflowError` escaping to the caller.
    """
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise TimestampError(
            f"timestamp {value.isoformat()!r} is outside the range of dates in UTC "
            "(years 1 to 9999)"
        ) from None


def parse_date(text: str) -> date:
    """Parse a strict ISO 8601 calendar date (``YYYY-MM-DD``)."""
    text = text.strip()
    if not _ISO_DATE.match(text):
        raise TimestampError(f"not an ISO 8601 date: {text!r}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise TimestampError(f"not a valid date: {text!r} ({exc})") from None


@overload
def format_timestamp(value: datetime) -> str: ...
@overload
def format_timestamp(value: None) -> None: ...
@overload
def format_timestamp(value: datetime | None) -> str | None: ...
def format_timestamp(value: datetime | None) -> str | None:
    """ISO 8601 text in UTC with a ``Z`` suffix, for reports and files."""
    if value is None:
        return None
    text = to_utc(value).replace(tzinfo=None).isoformat()
    return text + "Z"
