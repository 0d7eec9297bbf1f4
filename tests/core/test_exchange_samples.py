"""The sample pair as files gives the .db plan; real Eden exports load as Eden meant."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.export import export
from core.mapping import load_mapping
from core.matching import build_plan
from core.plan import Plan
from core.sources.open import open_other
from core.sources.s3json import S3JsonFile
from core.sources.s3xml import S3XmlFile
from core.sources.sql import SqlDataset

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "resources" / "samples"
# Copies of shared/reference (schema and exports from a real Eden server).
REFERENCE = REPO_ROOT / "tests" / "fixtures" / "eden"
EDEN_EXPORTS = REFERENCE / "eden-exports"


def _plan_key(plan: Plan, *, exported: bool = False) -> tuple[list, list]:
    """What the plan says. An S3XML/S3JSON export leaves NULL fields out and writes `mci`
    as stored + 1 (as Eden does), so NULLs are not compared and `exported` undoes the + 1."""
    vectors = sorted(
        (
            v.resource,
            v.uuid,
            v.method.value,
            v.action.value,
            v.reason,
            tuple(f for f in v.differing if v.other_values.get(f) is not None),
            repr(sorted((k, x) for k, x in v.other_values.items() if x is not None)),
            v.parent,
            v.other_modified,
            v.other_created,
            v.other_mci - 1 if exported and v.other_mci is not None else v.other_mci,
            tuple(map(str, v.problems)),
        )
        for v in plan.vectors
    )
    unchanged = sorted(
        (u.resource, u.uuid, u.note, u.parent, u.other_modified) for u in plan.unchanged
    )
    return vectors, unchanged


@pytest.fixture(scope="module")
def db_plan_key() -> tuple[list, list]:
    this = SqlDataset(SAMPLES / "local.db", readonly=True)
    other = SqlDataset(SAMPLES / "incoming.db", readonly=True)
    key = _plan_key(build_plan(this, other))
    this.close()
    other.close()
    return key


@pytest.mark.parametrize("name", ["incoming.xml", "incoming.json", "csv"])
def test_the_sample_pair_gives_the_same_plan_from_every_form(
    db_plan_key: tuple, tmp_path: Path, name: str
) -> None:
    path = SAMPLES / name
    if name == "csv":
        other_db = SqlDataset(SAMPLES / "incoming.db", readonly=True)
        path = tmp_path / "incoming-csv"
        export(other_db, path, "csv")
        other_db.close()
    this = SqlDataset(SAMPLES / "local.db", readonly=True)
    plan = build_plan(this, open_other(path))
    this.close()
    assert _plan_key(plan, exported=True) == db_plan_key
    assert any(v.action.value == "error" for v in plan.vectors)


def test_sample_files_are_current_with_their_generator(tmp_path: Path) -> None:
    script = REPO_ROOT / "scripts" / "build_exchange_samples.py"
    subprocess.run([sys.executable, str(script), str(tmp_path)], check=True, capture_output=True)
    for name in ("incoming.xml", "incoming.json"):
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), (
            f"run scripts/build_exchange_samples.py to refresh {name}"
        )


def test_the_sample_files_carry_the_broken_records_as_text() -> None:
    text = (SAMPLES / "incoming.xml").read_text(encoding="utf-8")
    assert 'modified_on="last tuesday"' in text
    assert 'modified_on="2024-13-45 99:00:00"' in text
    assert '<data field="gender">female</data>' in text


# ----- real Eden exports
@pytest.fixture(scope="module")
def eden_schema(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("eden") / "eden.db"
    with sqlite3.connect(path) as conn:
        conn.executescript((REFERENCE / "eden-schema.sql").read_text(encoding="utf-8"))
    dataset = SqlDataset(path, load_mapping("eden"))
    yield dataset.schema
    dataset.close()


def _eden_files() -> list[Path]:
    return sorted(EDEN_EXPORTS.glob("*")) if EDEN_EXPORTS.is_dir() else []


@pytest.mark.parametrize("path", _eden_files(), ids=lambda p: p.name)
def test_every_eden_export_loads_without_error(eden_schema, path: Path) -> None:
    source = open_other(path)
    assert isinstance(source, (S3XmlFile, S3JsonFile))
    records = list(source.records(eden_schema))
    # An msince feed in which nothing changed is empty, and says so.
    assert records or 'results="0"' in path.read_text(encoding="utf-8")
    assert [(r.place, r.problems) for r in records if r.problems] == []
    for warning in source.unknown_columns(eden_schema):
        # Only Eden's own bookkeeping resources are not in THIS's five tables.
        assert any(name in warning for name in ("pr_person_user", "auth_user", "gis_location_tag"))


def _by_uuid(path: Path, schema) -> dict:
    return {(r.resource, r.uuid): r for r in open_other(path).records(schema)}


@pytest.mark.parametrize(
    "name", ["01-seeded-pr_person-addr_contact.xml", "01-seeded-pr_person-addr_contact.s3json"]
)
def test_eden_values_are_what_eden_meant(eden_schema, name: str) -> None:
    records = _by_uuid(EDEN_EXPORTS / name, eden_schema)
    admin = records[("pr_person", "urn:uuid:72827fcf-3cda-4c49-95fa-8b363115910f")]
    assert admin.values["last_name"] == "User"
    assert admin.values["missing"] is False
    amara = records[("pr_person", "urn:uuid:ac2d7fee-6e8e-5ca8-98ae-6c48401720aa")]
    assert amara.values["first_name"] == "Amara" and amara.values["gender"] == 2
    assert str(amara.values["date_of_birth"]) == "1984-03-14"
    assert amara.values["location_id"] == "urn:uuid:505de002-28f9-5217-ab6a-53e117db0528"
    contacts = [
        r
        for r in records.values()
        if r.resource == "pr_contact" and r.master == ("pr_person", amara.uuid)
    ]
    assert {c.values["value"] for c in contacts} >= {"amara.perera@example.org"}
    zoe = records[("pr_person", "urn:uuid:ce5fbd45-d8fa-5865-b4b0-d13c0ff75a39")]
    assert zoe.values["last_name"] == "O'Brien-Müller"


def test_eden_deletions_and_locations(eden_schema) -> None:
    records = _by_uuid(EDEN_EXPORTS / "02-mutated-pr_person-addr_contact-deleted.xml", eden_schema)
    gone = records[("pr_person", "urn:uuid:1fd5a4ae-616d-57fb-9b36-c251a180c2f3")]
    assert gone.deleted and not gone.problems
    assert sum(r.deleted for r in records.values()) == 1
    town = records[("gis_location", "urn:uuid:505de002-28f9-5217-ab6a-53e117db0528")]
    assert town.values["l0"] == "Sri Lanka" and town.values["lat"] == 6.852
    assert town.values["parent"] == "urn:uuid:bbe656c6-a929-54b3-92ca-d82623513b0a"
    lanka = records[("gis_location", "urn:iso:std:iso:3166:-1:code:LK")]
    assert lanka.values["level"] == "L0" and lanka.values["inherited"] is False


def test_eden_standalone_addresses_link_to_their_person(eden_schema) -> None:
    records = _by_uuid(EDEN_EXPORTS / "01-seeded-pr_address.xml", eden_schema)
    address = records[("pr_address", "urn:uuid:161944a1-cbab-52b1-a0d3-90f060825c2e")]
    assert address.master == ("pr_person", "urn:uuid:ac2d7fee-6e8e-5ca8-98ae-6c48401720aa")
    assert "pe_id" not in address.values
