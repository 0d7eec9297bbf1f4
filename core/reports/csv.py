"""The CSV report: one row per changed field, safe to open in a spreadsheet.

A row is written for every field whose values differ between THIS and OTHER in a listed
vector (every field of a create; the `deleted` flag of a delete; one row with an empty
field for a vector with no differing field, so every listed vector appears). Cells that a
spreadsheet would run as a formula — starting with `=`, `+`, `-`, `@`, a tab or a carriage
return — are prefixed with `'`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import IO

from core.plan import Plan
from core.reports.sections import sections, text
from core.vectors import Vector, decided_fields, field_outcome
from core.vocabulary import Action, Method

HEADER = (
    "resource",
    "uuid",
    "label",
    "action",
    "field",
    "this",
    "other",
    "resolution",
    "result",
    "reason",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(cell: str) -> str:
    """The cell with a leading `'` when a spreadsheet would take it as a formula."""
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def write_csv(plan: Plan, out: IO[str]) -> None:
    """Write the report for `plan` to `out` (opened with newline="")."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for _key, _title, vectors in sections(plan):
        for vector in vectors:
            writer.writerows([neutralised(c) for c in row] for row in _rows(plan, vector))


def _rows(plan: Plan, vector: Vector) -> Iterator[tuple[str, ...]]:
    head = (vector.resource, vector.uuid, vector.label, vector.action.value)
    if vector.action is Action.DELETE:
        deleted = plan.schema.resources[vector.resource].meta.deleted
        yield (*head, deleted, "false", "true", "", "true", vector.reason)
        return
    names = vector.fields if vector.method is Method.CREATE else decided_fields(vector)
    if not names:
        yield (*head, "", "", "", "", "", vector.reason)
        return
    for name in names:
        o = field_outcome(vector, name)
        yield (
            *head,
            name,
            text(o.this),
            text(o.other),
            o.decided_by,
            text(o.result),
            vector.reason,
        )
