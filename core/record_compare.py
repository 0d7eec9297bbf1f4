"""One typed OTHER record against THIS's: a vector, or an unchanged row (docs/semantics.md,
Vectors)."""

from __future__ import annotations

from core.records import Problem, Record, label_for
from core.unchanged import Unchanged
from core.values import held_once
from core.vectors import Vector
from core.vocabulary import Method


def new_vector(record: Record, method: Method, uuid: str | None = None) -> Vector:
    """The vector of an OTHER record THIS does not have (or that must be created)."""
    return Vector(
        resource=record.resource,
        uuid=uuid or record.uuid or "",
        method=method,
        label=label_for(record.values),
        place=record.place,
        other_values=dict(record.values),
        other_modified=record.modified_on,
        other_created=record.created_on,
        other_mci=record.mci,
        parent=record.master,
        problems=list(record.problems),
        dangling=dict(record.dangling),
    )


def unchanged_row(record: Record, this: Record | None, note: str) -> Unchanged:
    """The compact row an OTHER record leaves when it changes nothing."""
    return Unchanged(
        record.resource,
        record.uuid or "",
        label_for(record.values),
        this.modified_on if this else None,
        record.modified_on,
        record.master,
        note,
    )


def compare_records(record: Record, this: Record, deleted_column: str) -> Vector | Unchanged:
    """The vector of an OTHER record whose identity THIS has (docs/semantics.md, Vectors:
    method)."""
    if record.deleted:
        if this.deleted:
            return unchanged_row(record, this, "deleted on both sides")
        method = Method.DELETE
    else:
        method = Method.UPDATE
    other_values = dict(record.values)
    # A value both sides hold alike is kept once (most fields of a vector do not differ).
    this_values = {name: held_once(this.values.get(name), v) for name, v in other_values.items()}
    if this.deleted and not record.deleted:
        # Restoring a record THIS deleted is a field decision like any other.
        other_values[deleted_column] = False
        this_values[deleted_column] = True
    differing = tuple(n for n, v in other_values.items() if v != this_values[n])
    problems = list(record.problems) + [
        Problem(p.field, f"THIS: {p.message}") for p in this.problems
    ]
    if method is Method.UPDATE and not differing and not problems:
        return unchanged_row(record, this, "")
    return Vector(
        resource=record.resource,
        uuid=record.uuid or "",
        method=method,
        label=label_for(other_values) or label_for(this_values),
        place=record.place,
        other_values=other_values,
        this_values=this_values,
        differing=differing,
        this_modified=this.modified_on,
        other_modified=record.modified_on,
        other_created=record.created_on,
        other_mci=record.mci,
        parent=record.master,
        this_key=this.key,
        this_place=this.place,
        problems=problems,
        dangling=dict(record.dangling),
    )
