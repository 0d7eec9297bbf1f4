"""Overrides re-derive only what they touch, name every vector they changed, and give the
same plan as a full derivation."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.derivation import Derivation
from core.plan import Plan
from core.policy import preset
from core.session import open_pair
from core.snapshots import (
    overrides_snapshot,
    policy_applied,
    policy_snapshot,
    restore_overrides,
    restore_policy,
)
from core.vocabulary import Action, Method, Resolution
from tests.conftest import SAMPLES_DIR

_PLAN: list[Plan] = []


def _sample_plan() -> Plan:
    """One sample plan for every example; each example starts by clearing its overrides."""
    if not _PLAN:
        _PLAN.append(open_pair(SAMPLES_DIR / "local.db", SAMPLES_DIR / "incoming.db").plan())
    plan = _PLAN[0]
    for vector in plan.vectors:
        vector.override_strategy = vector.override_default = None
        vector.override_fields = {}
    plan.recompute()
    return plan


def _states(plan: Plan) -> list[tuple[Any, ...]]:
    return [(v.action, v.reason, dict(v.blocked)) for v in plan.vectors]


strategies = st.one_of(st.none(), st.lists(st.sampled_from(list(Method)), unique=True, max_size=3))
resolutions = st.one_of(st.none(), st.sampled_from(list(Resolution)))


@st.composite
def operations(draw: st.DrawFn) -> tuple[str, int, Any, Any]:
    kind = draw(st.sampled_from(["strategy", "field", "default", "bulk"]))
    return kind, draw(st.integers(0, 10_000)), draw(strategies), draw(resolutions)


def _apply(plan: Plan, operation: tuple[str, int, Any, Any]) -> set[int]:
    kind, pick, strategy, resolution = operation
    # Locations often: they are created and referenced, so skipping them blocks (and
    # restoring them unblocks) the persons that point at them, and their components.
    vectors = sorted(plan.vectors, key=lambda v: v.resource != "gis_location")
    vector = vectors[pick % 12] if pick % 2 else vectors[pick % len(vectors)]
    if kind == "strategy":
        return plan.set_strategy(vector, strategy).vectors
    if kind == "default":
        return plan.set_default_resolution(vector, resolution).vectors
    fields = vector.differing or vector.fields or ("name",)
    name = fields[pick % len(fields)]
    if kind == "field":
        return plan.set_field_resolution(vector, name, resolution).vectors
    return plan.bulk_field_resolution(vector.resource, name, resolution).vectors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operations(), min_size=1, max_size=12))
def test_incremental_derivation_equals_a_full_one_and_names_every_change(ops) -> None:
    plan = _sample_plan()
    for operation in ops:
        before = _states(plan)
        changed = _apply(plan, operation)
        after = _states(plan)
        differing = {n for n, (b, a) in enumerate(zip(before, after, strict=True)) if b != a}
        assert differing <= changed, operation
        assert plan.recompute() == set(), operation
        assert _states(plan) == after


def test_a_skipped_location_blocks_its_persons_and_restoring_it_unblocks_them() -> None:
    plan = _sample_plan()
    person, location = next(
        (w, plan.get("gis_location", w.other_values["location_id"]))
        for w in plan.vectors
        if w.resource == "pr_person"
        and w.action is Action.CREATE
        and plan.get("gis_location", w.other_values["location_id"] or "")
    )
    changed = plan.set_strategy(location, []).vectors
    assert person.action is Action.SKIP and "location_id" in person.blocked
    assert {plan.position(location), plan.position(person)} <= changed
    components = plan.children(person)
    assert components and all(c.action is Action.SKIP for c in components)
    assert {plan.position(c) for c in components} <= changed
    changed = plan.set_strategy(location, None).vectors
    assert person.action is Action.CREATE and not person.blocked
    assert {plan.position(person)} | {plan.position(c) for c in components} <= changed


def test_one_override_derives_only_its_region(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = _sample_plan()
    person = next(
        v
        for v in plan.vectors
        if v.resource == "pr_person" and v.method is Method.UPDATE and v.differing
    )
    seen: list[str] = []
    original = Derivation.own_action

    def counting(self: Derivation, vector: Any) -> tuple[Action, str]:
        seen.append(vector.uuid)
        return original(self, vector)

    monkeypatch.setattr(Derivation, "own_action", counting)
    plan.set_field_resolution(person, person.differing[0], Resolution.OTHER)
    components = {c.uuid for c in plan.children(person)}
    assert set(seen) <= {person.uuid} | components
    assert len(seen) < len(plan.vectors) / 10
    # A bulk override of one contact field re-derives the contacts it touched, no others.
    seen.clear()
    contact = next(v for v in plan.vectors if v.resource == "pr_contact" and v.differing)
    touched = plan.vectors_for_field("pr_contact", contact.differing[0])
    plan.bulk_field_resolution("pr_contact", contact.differing[0], Resolution.OTHER)
    assert sorted(seen) == sorted(v.uuid for v in touched)


def test_policy_restore_names_the_vectors_it_changed() -> None:
    plan = _sample_plan()

    before_states = _states(plan)
    before = policy_snapshot(plan)
    changed = restore_policy(plan, policy_applied(plan, preset("replace")))
    after_states = _states(plan)
    differing = {
        n for n, (b, a) in enumerate(zip(before_states, after_states, strict=True)) if b != a
    }
    assert differing and differing <= changed
    assert plan.recompute() == set()
    assert restore_policy(plan, before) >= differing
    assert _states(plan) == before_states


def test_has_overrides_follows_every_override_path() -> None:
    plan = _sample_plan()
    assert not plan.has_overrides
    vector = next(v for v in plan.vectors if v.differing and v.method is Method.UPDATE)
    before = overrides_snapshot(plan)
    plan.set_field_resolution(vector, vector.differing[0], Resolution.OTHER)
    assert plan.has_overrides
    after = overrides_snapshot(plan)
    plan.set_field_resolution(vector, vector.differing[0], None)
    assert not plan.has_overrides
    restore_overrides(plan, after)
    assert plan.has_overrides
    restore_overrides(plan, before)
    assert not plan.has_overrides
    plan.set_strategy(vector, [])
    plan.recompute()
    assert plan.has_overrides
