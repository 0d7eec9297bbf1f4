"""The vector list's columns and filter tabs: what each column shows and sorts by, for
vectors and unchanged rows alike (gui/vector_model.py serves them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from core.plan import Plan, Unchanged
from core.vectors import Vector
from core.vocabulary import Action
from gui.times import local_text
from gui.vector_table import action_key, conflicts_key, stamp_key

Row = Vector | Unchanged


class Filter(StrEnum):
    ALL = "All"
    CONFLICTS = "Conflicts"
    CREATES = "Creates"
    UPDATES = "Updates"
    DELETES = "Deletes"
    SKIPPED = "Skipped"
    ERRORS = "Errors"
    UNCHANGED = "Unchanged"


_BY_ACTION = {
    Filter.CREATES: Action.CREATE,
    Filter.UPDATES: Action.UPDATE,
    Filter.DELETES: Action.DELETE,
    Filter.SKIPPED: Action.SKIP,
    Filter.ERRORS: Action.ERROR,
    Filter.UNCHANGED: Action.UNCHANGED,
}

COLUMNS = ("Resource", "Label", "UUID", "Action", "Conflicts", "THIS modified", "OTHER modified")
COLUMN_TIPS = (
    "The table the record belongs to (└ marks a component, listed under its master)",
    "A name people recognise the record by",
    "The record's identity in both datasets",
    "What a commit will do with this record",
    "Fields where both sides have a value and the values differ",
    "When THIS last changed the record (UTC)",
    "When OTHER last changed the record (UTC)",
)
RESOURCE_COLUMN, ACTION_COLUMN, CONFLICTS_COLUMN = 0, 3, 4
_TIME_COLUMNS = (5, 6)  # THIS modified, OTHER modified
COMPONENT_MARK = "└ "


def action_of(row: Row) -> Action:
    return row.action if isinstance(row, Vector) else Action.UNCHANGED


def filter_counts(plan: Plan) -> dict[Filter, int]:
    """Rows per tab, straight from the plan (the model keeps its own from arrays)."""
    counts = plan.counts()
    result = {
        Filter.ALL: len(plan.vectors) + len(plan.unchanged),
        Filter.CONFLICTS: counts["conflicts"],
    }
    for which, action in _BY_ACTION.items():
        result[which] = counts[action.value]
    return result


def _stamp(value: datetime | None) -> str:
    """Shown in the person's time zone; the data (and the tooltip) stay UTC."""
    return local_text(value)


# Display text per column, for vectors and unchanged rows alike; built once.
_DISPLAY: tuple[Callable[[Row], Any], ...] = (
    lambda r: r.resource,
    lambda r: r.label,
    lambda r: r.uuid,
    lambda r: action_of(r).value,
    lambda r: (r.conflicts or "") if isinstance(r, Vector) else "",
    lambda r: _stamp(r.this_modified),
    lambda r: _stamp(r.other_modified),
)
# Sort keys per column over vectors (the Action and Conflicts columns read arrays).
_SORT_KEYS: tuple[Callable[[Vector], Any], ...] = (
    lambda v: v.resource,
    lambda v: v.label.lower(),
    lambda v: v.uuid,
    action_key,
    conflicts_key,
    lambda v: stamp_key(v.this_modified),
    lambda v: stamp_key(v.other_modified),
)
