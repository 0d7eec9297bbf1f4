"""Import vectors: the plan for one OTHER record, and the per-field outcome rules
(docs/semantics.md, Vectors)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from core.records import Problem
from core.vocabulary import FALLBACK_STRATEGY, Action, Method, Resolution, Side

ResolutionSpec = Resolution | dict[str, Resolution] | None


@dataclass(frozen=True, slots=True)
class FieldOutcome:
    """One field of a vector: both values, which resolution applies and what results."""

    name: str
    this: Any
    other: Any
    differs: bool
    conflict: bool  # both sides have a value and they differ
    resolution: Resolution
    winner: Side
    tie: bool  # NEWER could not decide (equal or missing timestamps): THIS kept
    result: Any
    reference: str | None = None  # target resource when the field is a reference
    blocked: str | None = None
    edited: bool = False  # the result is a value the person typed (winner is Side.EDITED)

    @property
    def decided_by(self) -> str:
        """What chose the result, as reports show it: the resolution, or "edited"."""
        return Side.EDITED.value if self.edited else self.resolution.value


@dataclass(slots=True, eq=False)
class Vector:
    """The import plan for one OTHER record.

    Policy-set attributes (`strategy`, `resolution`, `default_resolution`) and the
    operator's overrides are kept apart so a new policy keeps the operator's decisions.
    `action`, `reason` and `blocked` are derived by the plan.
    """

    resource: str
    uuid: str
    method: Method
    label: str
    place: str
    other_values: dict[str, Any]
    this_values: dict[str, Any] = field(default_factory=dict)
    differing: tuple[str, ...] = ()
    this_modified: datetime | None = None
    other_modified: datetime | None = None
    other_created: datetime | None = None
    other_mci: int | None = None
    parent: tuple[str, str] | None = None
    this_key: Any = None
    this_place: str | None = None
    this_fingerprint: bytes | None = None  # digest of THIS's stored row (core/digest.py)
    references: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    dangling: dict[str, str] = field(default_factory=dict)
    strategy: tuple[Method, ...] | None = None
    resolution: ResolutionSpec = None
    default_resolution: Resolution | None = None
    override_strategy: tuple[Method, ...] | None = None
    override_default: Resolution | None = None
    override_fields: dict[str, Resolution] = field(default_factory=dict)
    # Values the person typed, by field; None until the first one (most vectors have none).
    edited: dict[str, Any] | None = None
    action: Action = Action.UNCHANGED
    reason: str = ""
    blocked: dict[str, str] = field(default_factory=dict)

    @property
    def identity(self) -> tuple[str, str]:
        return (self.resource, self.uuid)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.other_values)

    @property
    def conflicts(self) -> int:
        return sum(
            1
            for f in self.differing
            if self.this_values.get(f) is not None and self.other_values.get(f) is not None
        )

    @property
    def has_overrides(self) -> bool:
        return (
            self.override_strategy is not None
            or self.override_default is not None
            or bool(self.override_fields)
            or bool(self.edited)
        )


def effective_strategy(vector: Vector) -> tuple[Method, ...]:
    if vector.override_strategy is not None:
        return vector.override_strategy
    if vector.strategy is not None:
        return vector.strategy
    return FALLBACK_STRATEGY


def effective_resolution(vector: Vector, name: str) -> Resolution:
    """The operator's choice first, then docs/semantics.md, Resolution: dict → single → default →
    this."""
    chosen = vector.override_fields.get(name) or vector.override_default
    if chosen is not None:
        return chosen
    res = vector.resolution
    if isinstance(res, dict):
        if name in res:
            return res[name]
    elif res is not None:
        return res
    return vector.default_resolution or Resolution.THIS


def newer_side(vector: Vector) -> tuple[Side, bool]:
    """The side whose record is strictly newer; (THIS, tie) when it cannot be decided."""
    this, other = vector.this_modified, vector.other_modified
    if this is None and other is None:
        return Side.THIS, True
    if this is None:
        return Side.OTHER, False
    if other is None:
        return Side.THIS, False
    if other > this:
        return Side.OTHER, False
    if this > other:
        return Side.THIS, False
    return Side.THIS, True


def field_outcome(vector: Vector, name: str) -> FieldOutcome:
    return FieldOutcome(*next(outcome_rows(vector, (name,))))


def outcome_rows(vector: Vector, names: Iterable[str] | None = None) -> Iterator[tuple[Any, ...]]:
    """The outcomes of `names` (default: every field OTHER carries) as tuples of
    `FieldOutcome`'s fields, in its order: for writers of many vectors, which need no
    object per field."""
    create = vector.method is Method.CREATE
    edits = vector.edited
    this_values, other_values = vector.this_values, vector.other_values
    differing, references, blocked = vector.differing, vector.references, vector.blocked
    for name in other_values if names is None else names:
        this = this_values.get(name)
        other = other_values.get(name)
        differs = name in differing
        edited = edits is not None and name in edits
        if create:
            resolution, winner, tie = Resolution.OTHER, Side.OTHER, False
        else:
            resolution = effective_resolution(vector, name)
            winner, tie = _winner(vector, resolution)
        if edited:
            winner, tie = Side.EDITED, False
        yield (
            name,
            this,
            other,
            differs,
            differs and this is not None and other is not None,
            resolution,
            winner,
            tie and differs,
            _result(vector, name, winner),
            references.get(name),
            blocked.get(name),
            edited,
        )


def _result(vector: Vector, name: str, winner: Side) -> Any:
    if winner is Side.EDITED:
        return vector.edited[name] if vector.edited else None
    values = vector.other_values if winner is Side.OTHER else vector.this_values
    return values.get(name)


def decided_fields(vector: Vector) -> tuple[str, ...]:
    """The fields a person decides on: differing ones, then any they typed a value for."""
    extra = tuple(n for n in (vector.edited or ()) if n not in vector.differing)
    return vector.differing + extra


def _winner(vector: Vector, resolution: Resolution) -> tuple[Side, bool]:
    if resolution is Resolution.OTHER:
        return Side.OTHER, False
    if resolution is Resolution.NEWER:
        return newer_side(vector)
    return Side.THIS, False


def outcomes(vector: Vector) -> list[FieldOutcome]:
    return [FieldOutcome(*row) for row in outcome_rows(vector)]


def changed_fields(vector: Vector) -> dict[str, Any]:
    """The fields an update would write: those whose outcome differs from THIS.

    A value the person typed wins over the field's resolution, differing or not.
    """
    edited = vector.edited or {}
    changes: dict[str, Any] = {}
    for name in vector.differing:
        if name in edited:
            continue
        if _winner(vector, effective_resolution(vector, name))[0] is Side.OTHER:
            changes[name] = vector.other_values.get(name)
    for name, value in edited.items():
        if value != vector.this_values.get(name):
            changes[name] = value
    return changes


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    """The later of two optional timestamps (modified_on never moves backwards)."""
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)
