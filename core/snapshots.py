"""Compact snapshots of a plan's policy settings and operator overrides.

Undo keeps one snapshot per bulk change (a new policy, a loaded decisions file) rather
than a command per vector; `policy_applied` tries a policy without touching the plan, so
a failing policy leaves it as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core import steps
from core.plan import Plan
from core.policy import Policy
from core.steps import Steps, run_steps
from core.vectors import Vector


@dataclass(frozen=True, slots=True)
class PolicySnapshot:
    name: str
    settings: tuple[tuple[Any, Any, Any], ...]  # (strategy, resolution, default) per vector


@dataclass(frozen=True, slots=True)
class OverrideSnapshot:
    # (strategy, default, field resolutions, typed values or None) per vector
    settings: tuple[tuple[Any, Any, dict[str, Any], dict[str, Any] | None], ...]


def policy_snapshot(plan: Plan) -> PolicySnapshot:
    return PolicySnapshot(
        plan.policy_name,
        tuple((v.strategy, v.resolution, v.default_resolution) for v in plan.vectors),
    )


def restore_policy(plan: Plan, snapshot: PolicySnapshot) -> set[int]:
    """Put the snapshot's settings back; the positions of the vectors that changed."""
    return run_steps(policy_restored_steps(plan, snapshot))


def policy_restored_steps(plan: Plan, snapshot: PolicySnapshot) -> Steps[set[int]]:
    """`restore_policy` in steps (core/steps.py); the plan is read when it starts."""
    touched = yield from _set_policy_steps(plan, snapshot)
    return (yield from plan.rederive_steps(touched))


def policy_applied(plan: Plan, policy: Policy) -> PolicySnapshot:
    """What `policy` would set on every vector; the plan itself is left unchanged."""
    before = policy_snapshot(plan)
    try:
        _set_policy(plan, PolicySnapshot(policy.name, ((None, None, None),) * len(plan.vectors)))
        policy.apply(plan.vectors)
        return policy_snapshot(plan)
    finally:
        _set_policy(plan, before)


def _set_policy(plan: Plan, snapshot: PolicySnapshot) -> list[Vector]:
    """Set the snapshot's settings; the vectors whose settings it changed."""
    return run_steps(_set_policy_steps(plan, snapshot))


def _set_policy_steps(plan: Plan, snapshot: PolicySnapshot) -> Steps[list[Vector]]:
    vectors, settings = plan.vectors, snapshot.settings
    if len(vectors) != len(settings):
        raise ValueError("a policy snapshot of another plan")
    touched, step = [], steps.STEP
    for i, start in enumerate(range(0, len(vectors), step)):
        if i:
            yield
        stop = start + step
        for vector, setting in zip(vectors[start:stop], settings[start:stop], strict=True):
            if setting != (vector.strategy, vector.resolution, vector.default_resolution):
                vector.strategy, vector.resolution, vector.default_resolution = setting
                touched.append(vector)
    plan.policy_name = snapshot.name
    return touched


def overrides_snapshot(plan: Plan) -> OverrideSnapshot:
    return OverrideSnapshot(
        tuple(
            (v.override_strategy, v.override_default, dict(v.override_fields), _copy(v.edited))
            for v in plan.vectors
        )
    )


def restore_overrides(plan: Plan, snapshot: OverrideSnapshot) -> set[int]:
    """Put the snapshot's overrides back; the positions of the vectors that changed."""
    touched = []
    for vector, settings in zip(plan.vectors, snapshot.settings, strict=True):
        current = (
            vector.override_strategy,
            vector.override_default,
            vector.override_fields,
            vector.edited,
        )
        if settings != current:
            strategy, default, fields, edited = settings
            vector.override_strategy, vector.override_default = strategy, default
            vector.override_fields = dict(fields)
            vector.edited = _copy(edited)
            touched.append(vector)
    return plan.rederive(touched)


def _copy(edited: dict[str, Any] | None) -> dict[str, Any] | None:
    return dict(edited) if edited else None
