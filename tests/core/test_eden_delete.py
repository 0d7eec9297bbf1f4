"""Deletes the Eden way (docs/semantics.md, Deletion): on the reference Eden schema a
deleted person takes its components and super-entity rows with it, its foreign keys go
into `deleted_fk`; under the conventions its ON DELETE CASCADE components are marked;
`revert` restores every row."""

from __future__ import annotations

import json

import pytest
from builders import Databases, at, eden_pair, urn
from test_eden import STAMP, eden_location, pentity

from core.policy import allow_deletions, preset
from core.revert import revert_commit

LATER = "2024-05-03 10:00:00"
PERSON, KEPT, ADDRESS, CONTACT, LOCATION = urn(1), urn(2), urn(21), urn(22), urn(90)


def _user() -> dict:
    return {"id": 1, "first_name": "Admin", "email": "admin@example.com", "uuid": urn(99)}


def _this() -> dict:
    audit = {"created_by": 1, "modified_by": 1, "owned_by_user": 1}
    return {
        "auth_user": [_user()],
        "gis_location": [eden_location(1, LOCATION, "Town")],
        "pr_pentity": [pentity(1, PERSON), pentity(2, KEPT)],
        "sit_trackable": [
            {"track_id": 1, "uuid": PERSON, "instance_type": "pr_person", "deleted": "F"}
        ],
        "pr_person": [
            {
                "id": 1,
                "uuid": PERSON,
                "first_name": "Ann",
                "pe_id": 1,
                "track_id": 1,
                "location_id": 1,
                "deleted": "F",
                "modified_on": STAMP,
                **audit,
            },
            {"id": 2, "uuid": KEPT, "first_name": "Bob", "pe_id": 2, "deleted": "F"},
        ],
        "pr_address": [
            {
                "id": 1,
                "uuid": ADDRESS,
                "pe_id": 1,
                "location_id": 1,
                "deleted": "F",
                "modified_on": STAMP,
                **audit,
            }
        ],
        "pr_contact": [
            {"id": 1, "uuid": CONTACT, "pe_id": 1, "value": "ann@example.com", "deleted": "F"},
            {"id": 2, "uuid": urn(23), "pe_id": 2, "value": "bob@example.com", "deleted": "F"},
        ],
    }


def _other() -> dict:
    return {
        "pr_pentity": [pentity(7, PERSON)],
        "pr_person": [
            {
                "id": 7,
                "uuid": PERSON,
                "first_name": "Ann",
                "pe_id": 7,
                "deleted": "T",
                "modified_on": LATER,
            }
        ],
    }


@pytest.mark.parametrize("policy", ["eden", "allow-delete"])
def test_eden_delete_takes_components_super_rows_and_foreign_keys_and_reverts(
    dbs: Databases, policy: str
) -> None:
    pair = eden_pair(dbs, _this(), _other())
    before = pair.snapshot(journal=False, modified_on=False)
    chosen = preset("eden") if policy == "eden" else allow_deletions(preset("replace"))
    report = pair.commit(policy=chosen)
    assert report.ok

    person = pair.rows("pr_person")[PERSON]
    assert person["deleted"] == "T"
    assert json.loads(person["deleted_fk"]) == {
        "location_id": 1,
        "created_by": 1,
        "modified_by": 1,
        "owned_by_user": 1,
    }
    assert person["location_id"] is None and person["created_by"] is None
    assert person["pe_id"] == 1 and person["track_id"] == 1  # super-entity keys kept
    assert pair.rows("pr_pentity")[PERSON]["deleted"] == "T"
    assert pair.rows("sit_trackable")[PERSON]["deleted"] == "T"
    assert pair.rows("pr_pentity")[KEPT]["deleted"] == "F"

    address = pair.rows("pr_address")[ADDRESS]
    assert address["deleted"] == "T" and address["pe_id"] is None
    assert json.loads(address["deleted_fk"])["pe_id"] == 1
    assert json.loads(address["deleted_fk"])["location_id"] == 1
    assert str(address["modified_on"]).startswith("2024-05-03")
    contact = pair.rows("pr_contact")[CONTACT]
    assert contact["deleted"] == "T" and json.loads(contact["deleted_fk"]) == {"pe_id": 1}
    assert pair.rows("pr_contact")[urn(23)]["deleted"] == "F"
    assert pair.rows("pr_person")[KEPT]["deleted"] == "F"

    revert_commit(pair.this, report.journal_id)
    assert pair.snapshot(journal=False, modified_on=False) == before


def test_a_component_deleted_in_other_too_is_written_once_and_reverts(dbs: Databases) -> None:
    """Eden's feed carries the cascaded contact as deleted as well: it has its own vector."""
    other = _other()
    other["pr_contact"] = [
        {
            "id": 9,
            "uuid": CONTACT,
            "pe_id": 7,
            "value": "ann@example.com",
            "deleted": "T",
            "modified_on": LATER,
        }
    ]
    pair = eden_pair(dbs, _this(), other)
    before = pair.snapshot(journal=False, modified_on=False)
    report = pair.commit(policy="eden")
    contact = pair.rows("pr_contact")[CONTACT]
    assert contact["deleted"] == "T" and json.loads(contact["deleted_fk"]) == {"pe_id": 1}
    revert_commit(pair.this, report.journal_id)
    assert pair.snapshot(journal=False, modified_on=False) == before


def test_conventions_delete_marks_cascade_components_never_removes(dbs: Databases) -> None:
    person = {"uuid": urn(1), "name": "Ann", "modified_on": at(0)}
    this = {
        "person": [person],
        "address": [
            {"uuid": urn(2), "person_id": urn(1), "street": "Main", "modified_on": at(0)},
            {"uuid": urn(3), "person_id": urn(1), "street": "Side", "modified_on": at(0)},
        ],
    }
    other = {"person": [{**person, "deleted": True, "modified_on": at(5)}]}
    pair = dbs.pair(this, other)
    before = pair.snapshot(journal=False, modified_on=False)
    report = pair.commit(policy="eden")
    addresses = pair.rows("address")
    assert len(addresses) == 2
    assert all(row["deleted"] in (True, 1) for row in addresses.values())
    assert pair.rows("person")[urn(1)]["deleted"] in (True, 1)
    revert_commit(pair.this, report.journal_id)
    assert pair.snapshot(journal=False, modified_on=False) == before
