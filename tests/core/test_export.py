"""msince export (docs/semantics.md, Exports): selection rules, order, muntil, round trips."""

from __future__ import annotations

import csv
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from builders import Databases, at, urn
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from core.commit import commit_plan
from core.export import ExportError, export
from core.matching import build_plan
from core.sources.open import open_other
from core.sources.sql import SqlDataset

L_OLD, L_PARENT, P_OLD, P_NEW, P_UNDATED = urn(1), urn(2), urn(3), urn(4), urn(5)
A_NEW, A_OLD, P_EDGE = urn(6), urn(7), urn(8)


def _rows() -> dict:
    return {
        "location": [
            {"uuid": L_PARENT, "name": "Province", "modified_on": at(0)},
            {"uuid": L_OLD, "name": "Town", "parent": L_PARENT, "modified_on": at(1)},
        ],
        "person": [
            {"uuid": P_OLD, "name": "Old", "modified_on": at(2)},
            {"uuid": P_NEW, "name": "New", "location_id": L_OLD, "modified_on": at(20)},
            {"uuid": P_UNDATED, "name": "Undated", "modified_on": None},
            {"uuid": P_EDGE, "name": "Edge", "modified_on": at(10)},
        ],
        "address": [
            {"uuid": A_NEW, "person_id": P_OLD, "street": "new", "modified_on": at(15)},
            {"uuid": A_OLD, "person_id": P_OLD, "street": "old", "modified_on": at(3)},
        ],
    }


@pytest.fixture
def dataset(sqlite_dbs: Databases):
    ds = SqlDataset(sqlite_dbs.build(_rows()))
    yield ds
    ds.close()


def _exported(dataset: SqlDataset, path: Path, msince) -> tuple[list, object]:
    result = export(dataset, path, "s3xml", msince)
    records = list(open_other(path).records(dataset.schema))
    return records, result


def _uuids(records) -> set[str]:
    return {r.uuid for r in records}


def test_master_older_than_t_with_a_newer_component_comes_with_only_that_component(
    dataset: SqlDataset, tmp_path: Path
) -> None:
    records, _ = _exported(dataset, tmp_path / "e.xml", at(10))
    by_uuid = {r.uuid: r for r in records}
    assert P_OLD in by_uuid and A_NEW in by_uuid and A_OLD not in by_uuid
    assert by_uuid[A_NEW].master == ("person", P_OLD)


def test_referenced_old_records_are_exported_transitively(
    dataset: SqlDataset, tmp_path: Path
) -> None:
    records, _ = _exported(dataset, tmp_path / "e.xml", at(18))
    assert _uuids(records) == {P_NEW, L_OLD, L_PARENT, P_UNDATED}


def test_boundary_is_inclusive(dataset: SqlDataset, tmp_path: Path) -> None:
    records, _ = _exported(dataset, tmp_path / "e.xml", at(10))
    assert P_EDGE in _uuids(records)
    records, _ = _exported(dataset, tmp_path / "e.xml", at(10.001))
    assert P_EDGE not in _uuids(records)


def test_undated_records_count_as_modified(dataset: SqlDataset, tmp_path: Path) -> None:
    records, _ = _exported(dataset, tmp_path / "e.xml", at(100))
    assert _uuids(records) == {P_UNDATED}


def test_masters_oldest_first_undated_first_and_muntil(dataset: SqlDataset, tmp_path: Path) -> None:
    path = tmp_path / "e.xml"
    records, result = _exported(dataset, path, at(2))
    root = etree.parse(str(path)).getroot()
    stamps = [r.get("modified_on") for r in root.iterchildren("resource")]
    assert stamps[0] is None
    assert stamps[1:] == sorted(stamps[1:])
    assert result.muntil == at(20).replace(tzinfo=UTC)
    assert root.get("muntil") == "2024-05-02T06:00:00Z"
    assert result.count == len(records)


def test_without_msince_everything_is_exported(dataset: SqlDataset, tmp_path: Path) -> None:
    records, result = _exported(dataset, tmp_path / "e.xml", None)
    assert len(records) == result.count == 8


@pytest.mark.parametrize("msince", ["last tuesday", "2024-13-45", "", "1714557600"])
def test_unparseable_msince_is_an_error_and_nothing_is_written(
    dataset: SqlDataset, tmp_path: Path, msince: str
) -> None:
    with pytest.raises(ExportError, match="msince"):
        export(dataset, tmp_path / "e.xml", "s3xml", msince)
    assert not (tmp_path / "e.xml").exists()


def test_msince_text_is_parsed_strictly(dataset: SqlDataset, tmp_path: Path) -> None:
    records, _ = _exported(dataset, tmp_path / "e.xml", "2024-05-02T06:00:00Z")
    assert _uuids(records) == {P_NEW, L_OLD, L_PARENT, P_UNDATED}


def _rows_by_uuid(dataset: SqlDataset) -> dict:
    found = {}
    for name in dataset.schema.order():
        for record in dataset.resource_records(name, dataset.schema):
            found[(name, record.uuid)] = (
                record.values,
                record.master,
                record.modified_on,
                record.created_on,
                record.deleted,
            )
    return found


@pytest.mark.parametrize("fmt", ["s3xml", "s3json", "csv"])
def test_round_trip_into_an_empty_database(sqlite_dbs: Databases, tmp_path: Path, fmt: str) -> None:
    source = SqlDataset(sqlite_dbs.build(_rows()))
    target = SqlDataset(sqlite_dbs.build({}))
    path = tmp_path / f"e.{fmt}"
    if fmt == "s3json":
        path = tmp_path / "e.json"
    if fmt == "s3xml":
        path = tmp_path / "e.xml"
    export(source, path, fmt)
    plan = build_plan(target, open_other(path))
    commit_plan(plan, target)
    target.close()
    target = SqlDataset(target.label)
    assert _rows_by_uuid(target) == _rows_by_uuid(source)
    source.close()
    target.close()


# ----- property: a database against its own export is all unchanged
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)
_STAMP = st.one_of(st.none(), st.datetimes(datetime(2000, 1, 1), datetime(2030, 1, 1)))


@st.composite
def _datasets(draw) -> dict:
    n_loc = draw(st.integers(0, 3))
    locations = [
        {
            "uuid": urn(100 + i),
            "name": draw(st.one_of(st.none(), _TEXT)),
            "parent": urn(100 + draw(st.integers(0, i - 1))) if i and draw(st.booleans()) else None,
            "modified_on": draw(_STAMP),
            "deleted": draw(st.booleans()),
        }
        for i in range(n_loc)
    ]
    persons, addresses = [], []
    for i in range(draw(st.integers(0, 4))):
        persons.append(
            {
                "uuid": urn(200 + i),
                "name": draw(_TEXT),
                "age": draw(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1))),
                "location_id": urn(100 + draw(st.integers(0, n_loc - 1)))
                if n_loc and draw(st.booleans())
                else None,
                "modified_on": draw(_STAMP),
                "mci": draw(st.one_of(st.none(), st.integers(0, 9))),
            }
        )
        for j in range(draw(st.integers(0, 2))):
            addresses.append(
                {
                    "uuid": urn(300 + 10 * i + j),
                    "person_id": urn(200 + i),
                    "street": draw(st.one_of(st.none(), _TEXT)),
                    "modified_on": draw(_STAMP),
                }
            )
    return {"location": locations, "person": persons, "address": addresses}


@pytest.mark.parametrize("fmt", ["s3xml", "s3json"])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=_datasets())
def test_a_database_against_its_own_export_is_unchanged(
    tmp_path_factory, fmt: str, rows: dict
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    databases = Databases("sqlite", folder, None)
    dataset = SqlDataset(databases.build(rows))
    path = folder / ("e.xml" if fmt == "s3xml" else "e.json")
    export(dataset, path, fmt)
    plan = build_plan(dataset, open_other(path))
    assert [(v.resource, v.uuid, v.differing, v.problems) for v in plan.vectors] == []
    dataset.close()


def test_a_binary_value_with_control_characters_is_exported_to_s3xml(tmp_path: Path) -> None:
    # Found by the golden test's hostile values: bytes (Kind.OTHER) decoded to text that
    # XML cannot carry made lxml refuse the element, and the whole export failed.
    path = tmp_path / "blob.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE thing (id INTEGER PRIMARY KEY, uuid VARCHAR(64), data BLOB, "
            "number INTEGER, modified_on DATETIME)"
        )
        conn.execute(
            "INSERT INTO thing VALUES (1, ?, ?, ?, '2024-01-01 00:00:00')",
            (urn(1), b"\x00ab\x01", b"\x02"),  # bytes in an INTEGER column: exported raw
        )
    dataset = SqlDataset(path)
    export(dataset, tmp_path / "e.xml", "s3xml")
    export(dataset, tmp_path / "e.json", "s3json")
    from_xml = list(open_other(tmp_path / "e.xml").records(dataset.schema))
    from_json = list(open_other(tmp_path / "e.json").records(dataset.schema))
    assert [r.values for r in from_xml] == [r.values for r in from_json]
    assert from_xml[0].values["data"] == "\x00ab\x01"
    dataset.close()


@pytest.mark.parametrize("fmt", ["s3xml", "s3json", "csv"])
def test_the_same_rows_export_the_same_bytes_on_every_engine(
    dbs: Databases, tmp_path: Path, fmt: str
) -> None:
    # Rows are read by key in batches (an expanding IN) and typed from the engine's own
    # value types (datetimes and booleans on PostgreSQL, text and integers on SQLite).
    (tmp_path / "reference").mkdir()
    reference = Databases("sqlite", tmp_path / "reference", None)
    written = []
    for databases in (dbs, reference):
        dataset = SqlDataset(databases.build(_rows()))
        out = tmp_path / f"{len(written)}-{fmt}"
        export(dataset, out, fmt, at(2.5))
        if out.is_dir():
            written.append([(f.name, f.read_bytes()) for f in sorted(out.iterdir())])
        else:
            written.append([("", out.read_bytes())])
        dataset.close()
    reference.close()
    assert written[0] == written[1]


def test_a_reference_whose_key_does_not_type_or_resolve_is_left_out(tmp_path: Path) -> None:
    # A key that fails to type (2.5 in an INTEGER column) also finds no target: the S3XML
    # export failed on the missing uuid, S3JSON wrote `"@uuid": null`, CSV the raw key.
    path = tmp_path / "refs.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE location (id INTEGER PRIMARY KEY, uuid VARCHAR(64), "
            "modified_on DATETIME);"
            "CREATE TABLE person (id INTEGER PRIMARY KEY, uuid VARCHAR(64), name VARCHAR(9), "
            "location_id INTEGER REFERENCES location(id), modified_on DATETIME);"
        )
        conn.execute("INSERT INTO location VALUES (1, ?, '2024-01-01 00:00:00')", (L_OLD,))
        conn.executemany(
            "INSERT INTO person VALUES (?, ?, 'Ann', 2.5, ?)",
            # the second also has a bad timestamp: it is written from its raw values
            [(10, P_OLD, "2024-01-02 00:00:00"), (11, P_NEW, "garbage")],
        )
    dataset = SqlDataset(path)
    export(dataset, tmp_path / "e.xml", "s3xml")
    export(dataset, tmp_path / "e.json", "s3json")
    export(dataset, tmp_path / "csv", "csv")
    persons = etree.parse(str(tmp_path / "e.xml")).findall("resource[@name='person']")
    assert [[child.get("field") for child in person] for person in persons] == [["name"]] * 2
    document = json.loads((tmp_path / "e.json").read_text(encoding="utf-8"))
    assert [sorted(person) for person in document["$_person"]] == [
        ["@modified_on", "@uuid", "name"],
        ["@modified_on", "@uuid", "name"],
    ]
    with (tmp_path / "csv" / "person.csv").open(encoding="utf-8", newline="") as stream:
        assert [row["location_id"] for row in csv.DictReader(stream)] == ["", ""]
    dataset.close()
