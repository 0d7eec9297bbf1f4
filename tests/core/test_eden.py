"""Real Eden databases (docs/semantics.md, Sources): super-entity keys, CHAR(1) booleans, urn:uuid
uuids."""

from __future__ import annotations

from typing import Any

from builders import Databases, eden_pair, uid, urn

from core.vocabulary import Action, Method

STAMP = "2024-05-01 10:00:00"
LATER = "2024-05-02 10:00:00"


def pentity(pe_id: int, uuid: str, instance_type: str = "pr_person") -> dict[str, Any]:
    return {"pe_id": pe_id, "uuid": uuid, "instance_type": instance_type, "deleted": "F"}


def eden_person(
    pk: int,
    uuid: str,
    first: str,
    pe_id: int,
    *,
    deleted: str = "F",
    modified: str = STAMP,
    location: int | None = None,
) -> dict[str, Any]:
    return {
        "id": pk,
        "uuid": uuid,
        "first_name": first,
        "pe_id": pe_id,
        "deleted": deleted,
        "modified_on": modified,
        "created_on": STAMP,
        "location_id": location,
    }


def eden_location(pk: int, uuid: str, name: str) -> dict[str, Any]:
    return {
        "id": pk,
        "uuid": uuid,
        "name": name,
        "deleted": "F",
        "modified_on": STAMP,
        "gis_feature_type": 1,
    }


def test_component_link_via_super_entity_key(dbs: Databases) -> None:
    location = eden_location(1, urn(90), "Town")
    this = {
        "gis_location": [location],
        "pr_pentity": [pentity(1, urn(1))],
        "pr_person": [eden_person(1, urn(1), "Ann", 1)],
    }
    other = {
        "gis_location": [{**location, "id": 7}],
        "pr_pentity": [pentity(5, urn(1)), pentity(6, urn(2))],
        "pr_person": [
            eden_person(5, urn(1), "Ann", 5),
            eden_person(6, urn(2), "Bob", 6, location=7),
        ],
        "pr_address": [
            {
                "id": 3,
                "uuid": urn(21),
                "pe_id": 6,
                "comments": "Bob's home",
                "location_id": 7,
                "deleted": "F",
                "modified_on": STAMP,
            }
        ],
    }
    pair = eden_pair(dbs, this, other)
    plan = pair.plan()
    assert plan.get("pr_address", urn(21)).parent == ("pr_person", urn(2))
    assert {(v.resource, v.action) for v in plan.vectors} == {
        ("pr_person", Action.CREATE),
        ("pr_address", Action.CREATE),
    }
    pair.commit(plan)
    bob = pair.rows("pr_person")[urn(2)]
    entity = pair.rows("pr_pentity")[urn(2)]
    assert bob["pe_id"] == entity["pe_id"] and bob["pe_id"] != 1
    assert entity["instance_type"].strip() == "pr_person"
    trackable = pair.rows("sit_trackable")[urn(2)]
    assert bob["track_id"] == trackable["track_id"]
    assert trackable["instance_type"].strip() == "pr_person"
    home = pair.rows("pr_address")[urn(21)]
    assert home["pe_id"] == bob["pe_id"]
    assert pair.uuid_of("gis_location", home["location_id"]) == urn(90)
    assert pair.uuid_of("gis_location", bob["location_id"]) == urn(90)


def test_eden_char_booleans_and_urn_uuids(dbs: Databases) -> None:
    this = {
        "pr_pentity": [pentity(1, urn(1)), pentity(2, urn(2).upper())],
        "pr_person": [
            eden_person(1, urn(1), "Ann", 1),
            eden_person(2, "urn:uuid:" + uid(2).upper(), "Bob", 2, deleted="T"),
        ],
    }
    other = {
        "pr_pentity": [pentity(4, uid(1)), pentity(5, uid(2)), pentity(6, uid(3))],
        "pr_person": [
            eden_person(4, uid(1), "Ann", 4, deleted="T", modified=LATER),
            eden_person(5, uid(2), "Bob", 5, deleted="F", modified=LATER),
            eden_person(6, uid(3), "Cid", 6),
        ],
    }
    pair = eden_pair(dbs, this, other)
    plan = pair.plan(
        lambda v: (
            setattr(v, "strategy", ["create", "update", "delete"])
            or setattr(v, "resolution", "other")
        )
    )
    by_uuid = {v.uuid: v for v in plan.vectors}
    assert by_uuid[urn(1)].method is Method.DELETE
    restore = by_uuid[urn(2)]
    assert restore.method is Method.UPDATE and restore.this_values["deleted"] is True
    assert by_uuid[urn(3)].method is Method.CREATE
    pair.commit(plan)
    rows = pair.rows("pr_person")
    assert rows[urn(1)]["deleted"] == "T"
    assert rows[urn(2)]["deleted"] == "F"
    assert rows[urn(3)]["deleted"] == "F"
    assert pair.plan("replace").counts()["update"] == 0
