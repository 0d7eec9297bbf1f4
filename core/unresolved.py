"""Unresolved conflicts: conflicting fields whose winner nobody chose (`--fail-on-conflict`).

A conflicting field (both sides have a value and they differ, docs/semantics.md, Vectors) is
*unresolved*
when its winner was decided by no policy and no operator:
- the fallback `this`: no override for the field or the vector, and the policy set no
  resolution covering the field and no default resolution; or
- a NEWER tie: the resolution is `newer` but the timestamps could not decide (equal, or
  missing on both sides), so THIS was kept.
Only vectors that are not skipped or in error count (a skipped vector writes nothing);
vectors skipped because a reference blocks them do count, as they await the operator.
"""

from __future__ import annotations

from core.plan import Plan
from core.vectors import Vector, effective_resolution, newer_side
from core.vocabulary import Action, Method, Resolution


def undecided_fields(vector: Vector) -> list[str]:
    """The conflicting fields of an update whose winner no policy or operator chose."""
    if vector.method is not Method.UPDATE:
        return []
    if vector.action is Action.ERROR or (vector.action is Action.SKIP and not vector.blocked):
        return []
    return [
        name
        for name in vector.differing
        if vector.this_values.get(name) is not None
        and vector.other_values.get(name) is not None
        and _undecided(vector, name)
    ]


def _undecided(vector: Vector, name: str) -> bool:
    if vector.edited is not None and name in vector.edited:
        return False  # the person typed the value: decided
    resolution = effective_resolution(vector, name)
    if resolution is Resolution.NEWER:
        return newer_side(vector)[1]
    if name in vector.override_fields or vector.override_default is not None:
        return False
    policy = vector.resolution
    covered = (name in policy) if isinstance(policy, dict) else policy is not None
    return not covered and vector.default_resolution is None


def unresolved_conflicts(plan: Plan) -> list[Vector]:
    """The vectors with at least one unresolved conflicting field."""
    return [v for v in plan.vectors if v.differing and undecided_fields(v)]
