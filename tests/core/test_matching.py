"""Matching (docs/semantics.md, Matching): identities, canonical uuids, duplicates, records without
uuid."""

from __future__ import annotations

from builders import Databases, at, uid, urn

from core.vocabulary import Action, Method


def test_uuid_canonical_forms_match(dbs: Databases) -> None:
    this = {
        "person": [
            {"uuid": uid(1).upper(), "name": "Ann", "modified_on": at(0)},
            {"uuid": urn(2), "name": "Bob", "modified_on": at(0)},
            {"uuid": "legacy-id-3", "name": "Cid", "modified_on": at(0)},
        ]
    }
    other = {
        "person": [
            {
                "uuid": "  " + urn(1).replace("urn:uuid:", "URN:UUID:") + " ",
                "name": "Ann",
                "modified_on": at(0),
            },
            {"uuid": uid(2), "name": "Bob", "modified_on": at(0)},
            {"uuid": "legacy-id-3", "name": "Cid", "modified_on": at(0)},
            {"uuid": "LEGACY-ID-3", "name": "Dee", "modified_on": at(0)},  # not a uuid: exact
        ]
    }
    plan = dbs.pair(this, other).plan()
    assert {u.uuid for u in plan.unchanged} == {urn(1), urn(2), "legacy-id-3"}
    [created] = plan.vectors
    assert (created.uuid, created.method) == ("LEGACY-ID-3", Method.CREATE)


def test_duplicate_identity_in_other_is_error_naming_both_places(dbs: Databases) -> None:
    other = {
        "person": [
            {"id": 7, "uuid": uid(1), "name": "Ann", "modified_on": at(0)},
            {
                "id": 9,
                "uuid": urn(1).upper().replace("URN:UUID:", "urn:uuid:"),
                "name": "Annie",
                "modified_on": at(1),
            },
        ]
    }
    plan = dbs.pair({}, other).plan()
    [vector] = plan.vectors
    assert vector.action is Action.ERROR
    assert "id=7" in vector.reason and "id=9" in vector.reason
    assert plan.counts()["create"] == 0


def test_duplicate_identity_in_this_is_error_naming_both_places(dbs: Databases) -> None:
    this = {
        "person": [
            {"id": 3, "uuid": uid(1), "name": "Ann", "modified_on": at(0)},
            {"id": 4, "uuid": urn(1), "name": "Ann2", "modified_on": at(0)},
        ]
    }
    other = {"person": [{"uuid": uid(1), "name": "Annie", "modified_on": at(1)}]}
    plan = dbs.pair(this, other).plan("replace")
    [vector] = plan.vectors
    assert vector.action is Action.ERROR
    assert "id=3" in vector.reason and "id=4" in vector.reason


def test_record_without_uuid_is_error(dbs: Databases) -> None:
    other = {
        "person": [
            {"uuid": None, "name": "Nobody", "modified_on": at(0)},
            {"uuid": "   ", "name": "Blank", "modified_on": at(0)},
            {"uuid": uid(2), "name": "Bob", "modified_on": at(0)},
        ]
    }
    pair = dbs.pair({}, other)
    plan = pair.plan("replace")
    errors = [v for v in plan.vectors if v.action is Action.ERROR]
    assert len(errors) == 2
    assert all("uuid" in v.reason for v in errors)
    pair.commit(plan)
    assert list(pair.rows("person")) == [urn(2)]
