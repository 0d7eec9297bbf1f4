"""Exports a real Eden accepts (docs/semantics.md, Exports): NULL columns left out, `mci`
written as stored + 1, and read back an absent field says nothing (THIS kept)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from builders import Databases, as_policy, at, urn
from lxml import etree

from core.export import export
from core.matching import build_plan
from core.sources.open import open_other
from core.sources.sql import SqlDataset
from core.vectors import changed_fields
from core.vocabulary import Action

L1, L2, P1, P2, P3, A1 = urn(1), urn(2), urn(3), urn(4), urn(5), urn(6)


def _other_rows() -> dict:
    return {
        "location": [
            {"uuid": L1, "name": None, "modified_on": at(1), "mci": 0},
            {"uuid": L2, "name": "Town", "parent": L1, "modified_on": at(2), "mci": 3},
        ],
        "person": [
            {"uuid": P1, "name": "Ann", "age": None, "location_id": None, "modified_on": at(5)},
            {"uuid": P2, "name": "Bob", "age": 40, "location_id": L2, "modified_on": at(6)},
            {"uuid": P3, "name": "Cy", "age": None, "modified_on": at(7), "mci": 1},
        ],
        "address": [
            {"uuid": A1, "person_id": P1, "street": None, "location_id": L2, "modified_on": at(8)},
        ],
    }


def _this_rows() -> dict:
    return {
        "location": [{"uuid": L1, "name": "Province", "modified_on": at(0)}],
        "person": [
            {"uuid": P1, "name": "Ann", "age": 31, "location_id": L1, "modified_on": at(0)},
            {"uuid": P2, "name": "Robert", "age": None, "modified_on": at(9)},
        ],
        "address": [
            {"uuid": A1, "person_id": P1, "street": "Main St", "modified_on": at(0)},
        ],
    }


@pytest.fixture
def other(sqlite_dbs: Databases):
    dataset = SqlDataset(sqlite_dbs.build(_other_rows()), readonly=True)
    yield dataset
    dataset.close()


def test_s3xml_export_has_no_null_field_and_mci_is_stored_plus_one(
    other: SqlDataset, tmp_path: Path
) -> None:
    path = tmp_path / "e.xml"
    export(other, path, "s3xml")
    text = path.read_text("utf-8")
    assert "null" not in text and "None" not in text
    tree = etree.parse(str(path))
    for ref in tree.iter("reference"):
        assert ref.get("uuid"), etree.tostring(ref)
    fields = {
        (r.get("uuid"), d.get("field")) for r in tree.iter("resource") for d in r.iter("data")
    }
    assert (L1, "name") not in fields and (P1, "age") not in fields
    assert (A1, "street") not in fields and (L2, "name") in fields
    mci = {r.get("uuid"): r.get("mci") for r in tree.iter("resource")}
    assert mci[L1] == "1" and mci[L2] == "4" and mci[P3] == "2"


def test_s3json_export_has_no_null_field(other: SqlDataset, tmp_path: Path) -> None:
    path = tmp_path / "e.json"
    export(other, path, "s3json")
    document = json.loads(path.read_text("utf-8"))

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                assert value is not None, key
                if key in ("@value", "@uuid"):
                    assert value is not None
                yield from walk(value)
            yield node
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    records = [n for n in walk(document) if "@uuid" in n and "@resource" not in n]
    by_uuid = {r["@uuid"]: r for r in records}
    assert "age" not in by_uuid[P1] and "$k_location_id" not in by_uuid[P1]
    assert "name" not in by_uuid[L1] and by_uuid[L2]["@mci"] == "4"


def test_csv_export_keeps_an_empty_cell_for_null(other: SqlDataset, tmp_path: Path) -> None:
    export(other, tmp_path / "csv", "csv")
    with (tmp_path / "csv" / "person.csv").open(encoding="utf-8", newline="") as stream:
        rows = {row["uuid"]: row for row in csv.DictReader(stream)}
    assert rows[P1]["age"] == "" and rows[P1]["location_id"] == ""
    assert rows[P2]["age"] == "40"


def _summary(plan, *, without_nulls: bool = False) -> list[tuple]:
    """What a commit of the plan would do: each write and the values it writes (a create
    writes NULL for a value it is not given, so NULL and absent are the same there).
    `without_nulls` leaves out the NULLs an update would write: a file never carries them."""

    def written(vector) -> dict:
        if vector.action is Action.CREATE or without_nulls:
            values = (
                vector.other_values if vector.action is Action.CREATE else changed_fields(vector)
            )
            return {k: v for k, v in values.items() if v is not None}
        return changed_fields(vector)

    return sorted(
        (v.resource, v.uuid, v.action.value, tuple(sorted(written(v).items())), v.reason)
        for v in plan.vectors
        if v.action is not Action.UNCHANGED and (v.action is not Action.UPDATE or written(v))
    )


@pytest.mark.parametrize("fmt,name", [("s3xml", "e.xml"), ("s3json", "e.json"), ("csv", "c")])
def test_reading_the_export_back_gives_the_plan_of_its_database(
    sqlite_dbs: Databases, other: SqlDataset, tmp_path: Path, fmt: str, name: str
) -> None:
    this = SqlDataset(sqlite_dbs.build(_this_rows()))
    path = tmp_path / name
    export(other, path, fmt)
    fallback = build_plan(this, other, as_policy(None))
    assert _summary(build_plan(this, open_other(path), as_policy(None))) == _summary(fallback)
    for policy in ("replace-newer", "update-newer", "replace"):
        from_database = build_plan(this, other, as_policy(policy))
        from_file = build_plan(this, open_other(path), as_policy(policy))
        # Where OTHER wins, its database can write a NULL; S3XML/S3JSON cannot say NULL
        # (the field is left out, as Eden does), a CSV's empty cell does.
        expected = _summary(from_database, without_nulls=fmt != "csv")
        assert _summary(from_file) == expected, policy
    this.close()


def test_an_absent_field_keeps_this_even_when_other_wins(
    sqlite_dbs: Databases, other: SqlDataset, tmp_path: Path
) -> None:
    """OTHER's database says age is NULL; its export says nothing about age: THIS keeps 31."""
    this = SqlDataset(sqlite_dbs.build(_this_rows()))
    export(other, tmp_path / "e.xml", "s3xml")
    plan = build_plan(this, open_other(tmp_path / "e.xml"), as_policy("replace"))
    person = plan.get("person", P1)
    assert person is not None and "age" not in person.other_values
    assert "age" not in changed_fields(person)
    this.close()
