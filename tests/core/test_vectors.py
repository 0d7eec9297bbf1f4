"""Vectors (docs/semantics.md, Vectors): method, fields, strategy, resolution, outcome,
references."""

from __future__ import annotations

from typing import Any

import pytest
from builders import Databases, at, shape, uid, urn

from core.policy import PolicyError
from core.vocabulary import Action, Method, Resolution, Side


def person(n: int, name: str, hours: float | None = 0, **values: Any) -> dict[str, Any]:
    return {
        "uuid": uid(n),
        "name": name,
        "modified_on": None if hours is None else at(hours),
        **values,
    }


def address(
    n: int, owner: int, street: str, hours: float | None = 0, **values: Any
) -> dict[str, Any]:
    return {
        "uuid": uid(n),
        "person_id": uid(owner),
        "street": street,
        "modified_on": None if hours is None else at(hours),
        **values,
    }


def location(n: int, name: str, parent: int | None = None, hours: float = 0) -> dict[str, Any]:
    return {
        "uuid": uid(n),
        "name": name,
        "parent": uid(parent) if parent else None,
        "modified_on": at(hours),
    }


# ----- method


def test_create_when_this_lacks_identity(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]}, {"person": [person(1, "Ann"), person(2, "Bob", age=40)]}
    )
    plan = pair.plan()
    [vector] = plan.vectors
    assert (vector.uuid, vector.method, vector.action) == (urn(2), Method.CREATE, Action.CREATE)
    pair.commit(plan)
    row = pair.rows("person")[urn(2)]
    assert (row["name"], row["age"]) == ("Bob", 40)


def test_update_when_this_has_identity(dbs: Databases) -> None:
    plan = dbs.pair({"person": [person(1, "Ann")]}, {"person": [person(1, "Anne", 1)]}).plan(
        "replace"
    )
    [vector] = plan.vectors
    assert (vector.method, vector.action) == (Method.UPDATE, Action.UPDATE)


def test_delete_when_other_deleted_and_this_not(dbs: Databases) -> None:
    plan = dbs.pair(
        {"person": [person(1, "Ann", deleted=False)]},
        {"person": [person(1, "Ann", 1, deleted=True)]},
    ).plan()
    [vector] = plan.vectors
    assert vector.method is Method.DELETE


def test_delete_of_unknown_record_is_unchanged(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", deleted=True)]},
        {"person": [person(1, "Ann", 1, deleted=True), person(2, "Bob", deleted=True)]},
    )
    plan = pair.plan(lambda v: setattr(v, "strategy", ["create", "update", "delete"]))
    assert plan.vectors == []
    assert {u.uuid for u in plan.unchanged} == {urn(1), urn(2)}
    pair.commit(plan)
    assert set(pair.rows("person")) == {urn(1)}


# ----- strategy


def _master_with_components(dbs: Databases):
    this = {"person": [person(1, "Ann")], "address": [address(11, 1, "Old road")]}
    other = {
        "person": [person(1, "Anne", 1), person(2, "Bob", 1)],
        "address": [
            address(11, 1, "New road", 1),
            address(12, 1, "Second road", 1),
            address(21, 2, "Bob road", 1),
        ],
    }
    return dbs.pair(this, other)


def _by_uuid(plan) -> dict[str, Any]:
    return {v.uuid: v for v in plan.vectors}


def test_strategy_empty_skips_master_and_components(dbs: Databases) -> None:
    pair = _master_with_components(dbs)

    def policy(v: Any) -> None:
        v.resolution = v.RESOLUTION.OTHER
        v.strategy = [] if v.resource == "person" else [v.METHOD.CREATE, v.METHOD.UPDATE]

    before = pair.snapshot(journal=False)
    plan = pair.plan(policy)
    vectors = _by_uuid(plan)
    assert all(v.action is Action.SKIP for v in vectors.values())
    assert "strategy" in vectors[urn(1)].reason
    for n in (11, 12, 21):
        assert "master" in vectors[urn(n)].reason
    pair.commit(plan)
    assert pair.snapshot(journal=False) == before


def test_strategy_without_create_skips_new_record_and_components(dbs: Databases) -> None:
    pair = _master_with_components(dbs)
    plan = pair.plan(lambda v: setattr(v, "strategy", ["update"]))
    vectors = _by_uuid(plan)
    assert vectors[urn(2)].action is Action.SKIP
    assert vectors[urn(21)].action is Action.SKIP
    assert vectors[urn(12)].action is Action.SKIP  # a new component of a kept master
    pair.commit(plan)
    assert urn(2) not in pair.rows("person")
    assert set(pair.rows("address")) == {urn(11)}


def test_strategy_without_update_leaves_existing_and_components(dbs: Databases) -> None:
    pair = _master_with_components(dbs)

    def policy(v: Any) -> None:
        v.resolution = "other"
        v.strategy = ["create"] if v.resource == "person" else ["create", "update"]

    plan = pair.plan(policy)
    vectors = _by_uuid(plan)
    assert vectors[urn(1)].action is Action.SKIP
    assert vectors[urn(11)].action is Action.SKIP
    assert vectors[urn(12)].action is Action.SKIP
    assert vectors[urn(2)].action is Action.CREATE
    assert vectors[urn(21)].action is Action.CREATE
    pair.commit(plan)
    assert pair.rows("person")[urn(1)]["name"] == "Ann"
    addresses = pair.rows("address")
    assert addresses[urn(11)]["street"] == "Old road"
    assert urn(12) not in addresses and urn(21) in addresses


def test_strategy_fallback_is_create_and_update(dbs: Databases) -> None:
    plan = _master_with_components(dbs).plan(lambda v: None)
    assert all(v.strategy is None for v in plan.vectors)
    vectors = _by_uuid(plan)
    assert vectors[urn(2)].action is Action.CREATE
    # the fallback keeps THIS on updates: nothing to write
    assert vectors[urn(1)].action is Action.UNCHANGED


def test_deletions_off_by_default(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", deleted=False)]},
        {"person": [person(1, "Ann", 1, deleted=True)]},
    )
    for policy in (None, "replace", "replace-newer"):
        plan = pair.plan(policy)
        [vector] = plan.vectors
        assert (vector.method, vector.action) == (Method.DELETE, Action.SKIP)
        pair.commit(plan)
    assert pair.rows("person")[urn(1)]["deleted"] in (False, 0)


def test_delete_allowed_by_strategy_marks_deleted(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", deleted=False)]},
        {"person": [person(1, "Ann", 1, deleted=True)]},
    )
    plan = pair.plan()
    plan.set_strategy(plan.vectors[0], [Method.DELETE])
    assert plan.vectors[0].action is Action.DELETE
    pair.commit(plan)
    assert pair.rows("person")[urn(1)]["deleted"] in (True, 1)


# ----- resolution


def _conflict_pair(dbs: Databases):
    return dbs.pair(
        {"person": [person(1, "Ann", 0, age=30, location_id=None)]},
        {"person": [person(1, "Anne", 1, age=31)]},
    )


def test_resolution_dict_with_default_resolution(dbs: Databases) -> None:
    def policy(v: Any) -> None:
        v.resolution = {"name": v.RESOLUTION.THIS}
        v.default_resolution = v.RESOLUTION.OTHER

    pair = _conflict_pair(dbs)
    plan = pair.plan(policy)
    outcomes = {o.name: o for o in plan_outcomes(plan)}
    assert outcomes["name"].resolution is Resolution.THIS
    assert outcomes["age"].resolution is Resolution.OTHER
    pair.commit(plan)
    row = pair.rows("person")[urn(1)]
    assert (row["name"], row["age"]) == ("Ann", 31)


def test_resolution_dict_without_default_falls_back_to_this(dbs: Databases) -> None:
    pair = _conflict_pair(dbs)
    plan = pair.plan(lambda v: setattr(v, "resolution", {"name": "other"}))
    outcomes = {o.name: o for o in plan_outcomes(plan)}
    assert outcomes["name"].resolution is Resolution.OTHER
    assert outcomes["age"].resolution is Resolution.THIS
    pair.commit(plan)
    row = pair.rows("person")[urn(1)]
    assert (row["name"], row["age"]) == ("Anne", 30)


def test_resolution_single_value_applies_to_every_field(dbs: Databases) -> None:
    plan = _conflict_pair(dbs).plan(lambda v: setattr(v, "resolution", "other"))
    assert {o.resolution for o in plan_outcomes(plan)} == {Resolution.OTHER}


@pytest.mark.parametrize("setting", ["resolution", "dict", "default_resolution"])
def test_invalid_resolution_is_policy_error_naming_policy_resource_field(
    dbs: Databases, setting: str
) -> None:
    def sneaky(v: Any) -> None:
        if setting == "dict":
            v.resolution = {"age": "newest"}
        else:
            setattr(v, setting, "newest")

    from core.policy import Policy

    with pytest.raises(PolicyError) as raised:
        _conflict_pair(dbs).plan(Policy("sneaky", sneaky))
    message = str(raised.value)
    assert "sneaky" in message and "person" in message and "newest" in message
    assert {"resolution": "resolution", "dict": "age", "default_resolution": "default_resolution"}[
        setting
    ] in message


def test_policy_hook_that_raises_names_the_vector(dbs: Databases) -> None:
    def broken(v: Any) -> None:
        raise KeyError("boom")

    with pytest.raises(PolicyError) as raised:
        _conflict_pair(dbs).plan(broken)
    assert "person" in str(raised.value) and urn(1) in str(raised.value)


def test_resolution_applies_to_update_only(dbs: Databases) -> None:
    plan = dbs.pair({}, {"person": [person(2, "Bob", age=5)]}).plan(
        lambda v: setattr(v, "resolution", "this")
    )
    [vector] = plan.vectors
    assert vector.action is Action.CREATE
    assert {o.winner for o in plan_outcomes(plan)} == {Side.OTHER}


def plan_outcomes(plan) -> list[Any]:
    from core.vectors import outcomes

    [vector] = [v for v in plan.vectors if v.resource == "person"]
    return outcomes(vector)


# ----- NEWER


def _newer(dbs: Databases, this_hours: float | None, other_hours: float | None):
    pair = dbs.pair(
        {"person": [person(1, "Ann", this_hours)]}, {"person": [person(1, "Anne", other_hours)]}
    )
    plan = pair.plan("replace-newer")
    [outcome] = [o for o in plan_outcomes(plan) if o.name == "name"]
    return pair, plan, outcome


def test_newer_other_wins(dbs: Databases) -> None:
    pair, plan, outcome = _newer(dbs, 0, 1)
    assert (outcome.winner, outcome.result, outcome.tie) == (Side.OTHER, "Anne", False)
    pair.commit(plan)
    assert pair.rows("person")[urn(1)]["name"] == "Anne"


def test_newer_this_wins(dbs: Databases) -> None:
    pair, plan, outcome = _newer(dbs, 1, 0)
    assert (outcome.winner, outcome.result, outcome.tie) == (Side.THIS, "Ann", False)
    assert plan.vectors[0].action is Action.UNCHANGED


def test_newer_tie_keeps_this_and_flags(dbs: Databases) -> None:
    _, plan, outcome = _newer(dbs, 0, 0)
    assert (outcome.winner, outcome.result, outcome.tie) == (Side.THIS, "Ann", True)
    assert plan.vectors[0].action is Action.UNCHANGED


@pytest.mark.parametrize(
    ("this_hours", "other_hours", "winner"), [(None, 0, Side.OTHER), (0, None, Side.THIS)]
)
def test_newer_undated_side_loses(
    dbs: Databases, this_hours: float | None, other_hours: float | None, winner: Side
) -> None:
    _, _, outcome = _newer(dbs, this_hours, other_hours)
    assert (outcome.winner, outcome.tie) == (winner, False)


def test_newer_both_undated_is_tie(dbs: Databases) -> None:
    _, _, outcome = _newer(dbs, None, None)
    assert (outcome.winner, outcome.result, outcome.tie) == (Side.THIS, "Ann", True)


def test_components_compare_own_modified_on(dbs: Databases) -> None:
    # The master is newer in OTHER, the component is newer in THIS: each decides alone.
    pair = dbs.pair(
        {"person": [person(1, "Ann", 0)], "address": [address(11, 1, "Mine", 5)]},
        {"person": [person(1, "Anne", 1)], "address": [address(11, 1, "Theirs", 2)]},
    )
    plan = pair.plan("replace-newer")
    vectors = _by_uuid(plan)
    assert vectors[urn(1)].action is Action.UPDATE
    assert vectors[urn(11)].action is Action.UNCHANGED
    pair.commit(plan)
    assert pair.rows("address")[urn(11)]["street"] == "Mine"
    assert pair.rows("person")[urn(1)]["name"] == "Anne"


def test_conflict_when_both_sides_have_differing_values(dbs: Databases) -> None:
    plan = dbs.pair(
        {"person": [person(1, "Ann", age=None)]}, {"person": [person(1, "Anne", 1, age=4)]}
    ).plan()
    by_name = {o.name: o for o in plan_outcomes(plan)}
    assert by_name["name"].conflict and not by_name["age"].conflict
    assert by_name["age"].differs


# ----- fields


def test_field_this_lacks_is_ignored_with_warning(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]},
        {"person": [person(1, "Ann", 1, nickname="Annie")]},
        other_shape=shape(extra={"person.nickname": _string()}),
    )
    plan = pair.plan("replace")
    assert plan.vectors == []  # the only difference is a field THIS cannot hold
    assert any("nickname" in w for w in plan.warnings)


def test_field_other_lacks_is_not_in_vector(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", age=30)]},
        {"person": [person(1, "Anne", 1)]},
        other_shape=shape(drop={"person.age"}),
    )
    plan = pair.plan("replace")
    [vector] = plan.vectors
    assert "age" not in vector.fields
    pair.commit(plan)
    row = pair.rows("person")[urn(1)]
    assert (row["name"], row["age"]) == ("Anne", 30)


def test_meta_fields_and_component_link_are_not_fields(dbs: Databases) -> None:
    plan = dbs.pair(
        {"person": [person(1, "Ann")]},
        {"person": [person(1, "Ann", 1, mci=3)], "address": [address(11, 1, "Road")]},
    ).plan()
    vector = plan.get("address", urn(11))
    assert set(vector.fields) == {"street", "location_id"}
    assert set(plan.get("person", urn(1)).fields) == set()  # only its component changed


def test_restoring_deleted_record_is_a_field_decision(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", 0, deleted=True)]},
        {"person": [person(1, "Ann", 1, deleted=False)]},
    )
    kept = pair.plan()
    [vector] = kept.vectors
    assert vector.method is Method.UPDATE
    assert "deleted" in vector.fields and vector.action is Action.UNCHANGED
    restored = pair.plan("replace")
    assert restored.vectors[0].action is Action.UPDATE
    pair.commit(restored)
    assert pair.rows("person")[urn(1)]["deleted"] in (False, 0)


def _string():
    import sqlalchemy as sa

    return sa.String(40)


# ----- references


def test_reference_carried_as_uuid_ids_differ(dbs: Databases) -> None:
    this = {
        "location": [location(91, "Here"), location(92, "There")],
        "person": [person(1, "Ann", location_id=uid(91))],
    }
    other = {
        "location": [location(92, "There"), location(91, "Here")],  # ids swapped
        "person": [
            person(1, "Ann", 1, location_id=uid(92)),
            person(2, "Bob", 1, location_id=uid(91)),
        ],
    }
    pair = dbs.pair(this, other)
    plan = pair.plan("replace")
    vectors = _by_uuid(plan)
    assert vectors[urn(1)].other_values["location_id"] == urn(92)
    assert vectors[urn(1)].this_values["location_id"] == urn(91)
    pair.commit(plan)
    people = pair.rows("person")
    assert pair.uuid_of("location", people[urn(1)]["location_id"]) == urn(92)
    assert pair.uuid_of("location", people[urn(2)]["location_id"]) == urn(91)


def test_same_reference_with_different_ids_is_unchanged(dbs: Databases) -> None:
    this = {
        "location": [location(91, "Here"), location(92, "There")],
        "person": [person(1, "Ann", location_id=uid(92))],
    }
    other = {
        "location": [location(92, "There"), location(91, "Here")],
        "person": [person(1, "Ann", location_id=uid(92))],
    }
    plan = dbs.pair(this, other).plan("replace")
    assert plan.vectors == []


def test_reference_to_record_created_in_same_commit(dbs: Databases) -> None:
    other = {
        "location": [location(91, "New town")],
        "person": [person(2, "Bob", location_id=uid(91))],
        "address": [address(21, 2, "Main st", location_id=uid(91))],
    }
    pair = dbs.pair({}, other)
    plan = pair.plan()
    assert {v.action for v in plan.vectors} == {Action.CREATE}
    pair.commit(plan)
    bob = pair.rows("person")[urn(2)]
    assert pair.uuid_of("location", bob["location_id"]) == urn(91)
    home = pair.rows("address")[urn(21)]
    assert pair.uuid_of("person", home["person_id"]) == urn(2)
    assert pair.uuid_of("location", home["location_id"]) == urn(91)


def _skip_locations(v: Any) -> None:
    v.resolution = "other"
    v.strategy = [] if v.resource == "location" else ["create", "update"]


def test_unresolvable_reference_blocks_vector(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]},
        {
            "location": [location(91, "Elsewhere")],
            "person": [
                person(1, "Anne", 1, location_id=uid(91)),
                person(2, "Bob", 1, location_id=uid(91)),
                person(3, "Cid", 1),
            ],
        },
    )
    plan = pair.plan(_skip_locations)
    vectors = _by_uuid(plan)
    for n in (1, 2):
        assert vectors[urn(n)].action is Action.SKIP
        assert "location_id" in vectors[urn(n)].blocked
        assert "location_id" in vectors[urn(n)].reason and urn(91) in vectors[urn(n)].reason
    assert vectors[urn(3)].action is Action.CREATE
    assert plan.counts()["blocked"] == 2
    pair.commit(plan)
    people = pair.rows("person")
    assert set(people) == {urn(1), urn(3)} and people[urn(1)]["name"] == "Ann"


def test_reference_to_error_record_blocks_vector(dbs: Databases) -> None:
    import sqlalchemy as sa

    pair = dbs.pair(
        {},
        {
            "location": [{**location(91, "Bad"), "modified_on": "yesterday"}],
            "person": [person(2, "Bob", location_id=uid(91))],
        },
        other_shape=shape(types={"location.modified_on": sa.String(40)}),
    )
    vectors = _by_uuid(pair.plan())
    assert vectors[urn(91)].action is Action.ERROR
    assert vectors[urn(2)].action is Action.SKIP and "location_id" in vectors[urn(2)].blocked


def test_blocked_reference_unblocked_by_keeping_this(dbs: Databases) -> None:
    pair = dbs.pair(
        {"location": [location(90, "Home")], "person": [person(1, "Ann", location_id=uid(90))]},
        {
            "location": [location(90, "Home"), location(91, "Elsewhere")],
            "person": [person(1, "Anne", 1, location_id=uid(91))],
        },
    )
    plan = pair.plan(_skip_locations)
    vector = plan.get("person", urn(1))
    assert vector.action is Action.SKIP and "location_id" in vector.blocked
    plan.set_field_resolution(vector, "location_id", Resolution.THIS)
    assert vector.action is Action.UPDATE and not vector.blocked
    pair.commit(plan)
    row = pair.rows("person")[urn(1)]
    assert row["name"] == "Anne"
    assert pair.uuid_of("location", row["location_id"]) == urn(90)


def test_blocked_reference_unblocked_by_skipping(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]},
        {
            "location": [location(91, "Elsewhere")],
            "person": [person(1, "Anne", 1, location_id=uid(91))],
        },
    )
    plan = pair.plan(_skip_locations)
    vector = plan.get("person", urn(1))
    plan.set_strategy(vector, [])
    assert vector.action is Action.SKIP and "strategy" in vector.reason
    assert plan.counts()["blocked"] == 0


def test_component_of_master_deleted_in_other_and_unknown_to_this_is_skipped(
    dbs: Databases,
) -> None:
    # Found by the property tests: the component was planned as a create and the whole
    # commit was then refused because its master did not exist.
    pair = dbs.pair(
        {},
        {
            "person": [person(4, "Dee", deleted=True), person(5, "Eve")],
            "address": [address(41, 4, "Gone road"), address(51, 5, "Eve road")],
        },
    )
    plan = pair.plan("replace")
    orphan = plan.get("address", urn(41))
    assert orphan.action is Action.SKIP and "master" in orphan.reason
    pair.commit(plan)
    assert set(pair.rows("address")) == {urn(51)}
