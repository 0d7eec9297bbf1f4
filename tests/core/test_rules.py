"""One test per rule of docs/semantics.md that had none failing when the rule is broken.

Each expected value here is written by hand from the databases the test builds, never
computed by the code under test.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from builders import Databases, at, eden_pair, uid, urn
from test_eden import STAMP, eden_person, pentity

from core.matching import build_plan
from core.sources.s3xml import S3XmlFile
from core.sources.sql import SqlDataset
from core.vectors import outcomes
from core.vocabulary import Action, Method, Resolution, Side


def _person(n: int, name: str, hours: float | None) -> dict[str, Any]:
    return {"uuid": uid(n), "name": name, "modified_on": None if hours is None else at(hours)}


def test_a_dangling_reference_blocks_its_vector(sqlite_dbs: Databases) -> None:
    # OTHER's person points at location id 999, a row OTHER does not have (SQLite does not
    # enforce the foreign key): writing it would lose the reference, so the vector waits.
    pair = sqlite_dbs.pair(
        {},
        {"person": [{**_person(1, "Ann", 1), "location_id": 999}, _person(2, "Bob", 1)]},
    )
    plan = pair.plan("replace")
    ann, bob = plan.get("person", urn(1)), plan.get("person", urn(2))
    assert ann.action is Action.SKIP
    assert list(ann.blocked) == ["location_id"]
    assert "999" in ann.blocked["location_id"] and "does not exist" in ann.blocked["location_id"]
    assert bob.action is Action.CREATE
    pair.commit(plan)
    assert set(pair.rows("person")) == {urn(2)}


def test_a_reference_to_a_record_in_neither_dataset_blocks(
    sqlite_dbs: Databases, tmp_path: Path
) -> None:
    this = SqlDataset(sqlite_dbs.build({"location": [{"uuid": uid(90), "name": "Home"}]}))
    xml = tmp_path / "other.xml"
    xml.write_text(
        f"""<s3xml>
<resource name="person" uuid="{urn(1)}" modified_on="2024-05-01T10:00:00Z">
  <data field="name">Ann</data>
  <reference field="location_id" resource="location" uuid="{urn(77)}"/>
</resource>
<resource name="person" uuid="{urn(2)}" modified_on="2024-05-01T10:00:00Z">
  <data field="name">Bob</data>
  <reference field="location_id" resource="location" uuid="{urn(90)}"/>
</resource>
</s3xml>""",
        encoding="utf-8",
    )
    try:
        plan = build_plan(this, S3XmlFile(xml))
    finally:
        this.close()
    ann, bob = plan.get("person", urn(1)), plan.get("person", urn(2))
    assert ann.action is Action.SKIP
    assert ann.blocked == {"location_id": f"location {urn(77)} is in neither dataset"}
    assert (bob.action, bob.blocked) == (Action.CREATE, {})


def test_the_hook_sees_this_other_and_method(sqlite_dbs: Databases) -> None:
    home = {"uuid": uid(90), "name": "Home", "modified_on": at(0)}
    pair = sqlite_dbs.pair(
        {
            "location": [home],
            "person": [{**_person(1, "Ann", 0), "age": 30, "location_id": uid(90)}],
        },
        {
            "location": [home],
            "person": [
                {**_person(1, "Anne", 2), "age": 31, "location_id": uid(90)},
                _person(2, "Bob", None),
            ],
        },
    )
    seen: dict[str, tuple[Any, ...]] = {}

    def hook(vector: Any) -> None:
        seen[vector.uuid] = (vector.resource, vector.method, dict(vector.this), dict(vector.other))

    pair.plan(hook)
    assert seen[urn(1)] == (
        "person",
        Method.UPDATE,
        {
            "name": "Ann",
            "age": 30,
            "location_id": urn(90),
            "modified_on": datetime(2024, 5, 1, 10, tzinfo=UTC),
        },
        {
            "name": "Anne",
            "age": 31,
            "location_id": urn(90),
            "modified_on": datetime(2024, 5, 1, 12, tzinfo=UTC),
        },
    )
    assert seen[urn(2)] == (
        "person",
        Method.CREATE,
        {"modified_on": None},
        {"name": "Bob", "age": None, "location_id": None, "modified_on": None},
    )
    assert set(seen) == {urn(1), urn(2)}  # the unchanged location is no vector


def test_a_new_eden_component_under_an_existing_master_links_to_its_pe_id(
    dbs: Databases,
) -> None:
    # THIS's Ann: id 3, pe_id 8; OTHER's Ann: id 5, pe_id 5. OTHER's new address names
    # its master by OTHER's pe_id 5; in THIS it must carry Ann's pe_id 8 (not her id 3).
    this = {"pr_pentity": [pentity(8, urn(1))], "pr_person": [eden_person(3, urn(1), "Ann", 8)]}
    other = {
        "pr_pentity": [pentity(5, urn(1))],
        "pr_person": [eden_person(5, urn(1), "Ann", 5)],
        "pr_address": [
            {
                "id": 4,
                "uuid": urn(21),
                "pe_id": 5,
                "comments": "Ann's home",
                "deleted": "F",
                "modified_on": STAMP,
            }
        ],
    }
    pair = eden_pair(dbs, this, other)
    plan = pair.plan()
    home = plan.get("pr_address", urn(21))
    assert (home.action, home.parent) == (Action.CREATE, ("pr_person", urn(1)))
    pair.commit(plan)
    row = pair.rows("pr_address")[urn(21)]
    assert (row["pe_id"], row["comments"]) == (8, "Ann's home")
    assert set(pair.rows("pr_pentity")) == {urn(1)}  # no new super-entity for a component


def test_ties_are_flagged_only_on_differing_fields(sqlite_dbs: Databases) -> None:
    pair = sqlite_dbs.pair(
        {"person": [{**_person(1, "Ann", 1), "age": 30}]},
        {"person": [{**_person(1, "Anne", 1), "age": 30}]},  # same modified_on
    )
    (vector,) = pair.plan("replace-newer").vectors
    flags = {o.name: (o.differs, o.winner, o.tie) for o in outcomes(vector)}
    assert flags["name"] == (True, Side.THIS, True)
    assert flags["age"] == (False, Side.THIS, False)
    assert flags["location_id"] == (False, Side.THIS, False)
    assert vector.resolution is Resolution.NEWER and vector.action is Action.UNCHANGED
