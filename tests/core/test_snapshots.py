"""Policy and override snapshots: trying a policy leaves the plan as it was."""

from __future__ import annotations

import pytest

from core.policy import Policy, PolicyError, preset
from core.session import open_pair
from core.snapshots import (
    overrides_snapshot,
    policy_applied,
    policy_snapshot,
    restore_overrides,
    restore_policy,
)
from core.vocabulary import Action, Resolution


@pytest.fixture
def plan(sample_paths):
    return open_pair(sample_paths["local"], sample_paths["incoming"]).plan()


def _actions(plan):
    return [v.action for v in plan.vectors]


def test_policy_applied_leaves_the_plan_unchanged_until_restored(plan):
    before, actions = policy_snapshot(plan), _actions(plan)
    after = policy_applied(plan, preset("replace"))
    assert policy_snapshot(plan) == before and _actions(plan) == actions
    restore_policy(plan, after)
    assert plan.policy_name == "replace"
    assert Action.UPDATE in _actions(plan)
    restore_policy(plan, before)
    assert _actions(plan) == actions and plan.policy_name == before.name


def test_a_failing_policy_leaves_the_plan_as_it_was(plan):
    before = policy_snapshot(plan)

    def broken(vector):
        raise RuntimeError("boom")

    with pytest.raises(PolicyError, match="boom"):
        policy_applied(plan, Policy("broken", broken))
    assert policy_snapshot(plan) == before


def test_overrides_round_trip(plan):
    vector = next(v for v in plan.vectors if v.differing and v.method.value == "update")
    # the sample's first such vector: THIS is kept by the default policy
    assert (vector.action, vector.blocked) == (Action.UNCHANGED, {})
    before = overrides_snapshot(plan)
    plan.set_field_resolution(vector, vector.differing[0], Resolution.OTHER)
    after = overrides_snapshot(plan)
    restore_overrides(plan, before)
    assert not vector.override_fields
    assert vector.action is Action.UNCHANGED
    restore_overrides(plan, after)
    assert vector.override_fields == {vector.differing[0]: Resolution.OTHER}
    # OTHER's value for a differing field is a write, and nothing blocks it
    assert vector.action is Action.UPDATE
    assert not vector.blocked
