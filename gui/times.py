"""Times as people read them: in the local time zone, with UTC one hover away.

The data stays UTC (docs/semantics.md, Values and timestamps); only what is shown changes.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from dateutil import parser, tz

_SHOWN = "%Y-%m-%d %H:%M:%S"


def as_utc(value: datetime | str) -> datetime:
    moment = parser.isoparse(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_text(value: datetime | str | None, zone: tzinfo | None = None) -> str:
    """'2026-12-02 08:15:00 CET' in the local zone (or `zone`)."""
    if value is None:
        return ""
    local = as_utc(value).astimezone(zone or tz.tzlocal())
    return f"{local.strftime(_SHOWN)} {local.tzname() or ''}".rstrip()


def utc_text(value: datetime | str | None) -> str:
    return "" if value is None else f"{as_utc(value).strftime(_SHOWN)} UTC"
