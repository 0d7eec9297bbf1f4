"""What a report lists, in which order: errors and blocked references first."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from core.plan import Plan
from core.planjson import plain
from core.vectors import Vector
from core.vocabulary import Action

SECTIONS: tuple[tuple[str, str], ...] = (
    ("error", "Errors"),
    ("blocked", "Blocked by a reference"),
    ("create", "Created"),
    ("update", "Updated"),
    ("delete", "Deleted"),
    ("skip", "Skipped"),
    ("kept", "Differences kept as THIS"),
)


def section_of(vector: Vector) -> str | None:
    """The section a vector is listed in; None for a vector with nothing to show."""
    if vector.action is Action.ERROR:
        return "error"
    if vector.blocked:
        return "blocked"
    if vector.action is Action.UNCHANGED:
        return "kept" if vector.differing else None
    return vector.action.value


def sections(plan: Plan) -> Iterator[tuple[str, str, list[Vector]]]:
    """(key, title, vectors) per non-empty section, vectors in plan order."""
    grouped: dict[str, list[Vector]] = {key: [] for key, _ in SECTIONS}
    for vector in plan.vectors:
        key = section_of(vector)
        if key is not None:
            grouped[key].append(vector)
    for key, title in SECTIONS:
        if grouped[key]:
            yield key, title, grouped[key]


def text(value: Any) -> str:
    """A field value as a person reads it: empty for NULL, JSON for structures."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
