"""One record as read from a source, typed by THIS's schema."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """A fault in one record: which field (when known) and what is wrong."""

    field: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass(slots=True)
class Record:
    """A record with typed values; references hold the target's canonical uuid.

    `place` names where the record came from (file and line, or table and row) so any
    message about it can point there. `master` is (resource, uuid) for a component.
    """

    resource: str
    uuid: str | None
    values: dict[str, Any]
    place: str
    modified_on: datetime | None = None
    created_on: datetime | None = None
    deleted: bool = False
    mci: int | None = None
    master: tuple[str, str] | None = None
    problems: list[Problem] = field(default_factory=list)
    dangling: dict[str, str] = field(default_factory=dict)  # reference field -> why
    key: Any = None  # the local primary key (THIS records only)


_LABEL_FIELDS = (
    ("first_name", "middle_name", "last_name"),
    ("name",),
    ("value",),
    ("acronym",),
    ("address",),
    ("addr_street",),
)
LABEL_FIELDS = frozenset(name for group in _LABEL_FIELDS for name in group)


def label_for(values: dict[str, Any]) -> str:
    """A short human name for a record, from the fields people recognise it by."""
    for group in _LABEL_FIELDS:
        parts = [str(values[f]) for f in group if values.get(f) not in (None, "")]
        if parts:
            return " ".join(parts)
    for value in values.values():
        if isinstance(value, str) and value and not value.startswith("urn:uuid:"):
            return value[:60]
    return ""


class LazyLabel:
    """`label_for` of records read raw, typing a value only when the label looks at it
    (a label is found in the first fields it looks at, rarely the last)."""

    def __init__(self, fields: dict[str, Callable[[Any], Any]]) -> None:
        """`fields`: each field of the records, in their order, with the function that
        gives its typed value (None for an untypable one) from a raw row."""
        groups = (tuple(fields[f] for f in group if f in fields) for group in _LABEL_FIELDS)
        self._groups = tuple(group for group in groups if group)
        self._fields = tuple(fields.values())

    def __call__(self, raw: Any) -> str:
        for group in self._groups:
            parts = [str(typed) for get in group if (typed := get(raw)) not in (None, "")]
            if parts:
                return " ".join(parts)
        for get in self._fields:
            typed = get(raw)
            if isinstance(typed, str) and typed and not typed.startswith("urn:uuid:"):
                return typed[:60]
        return ""
