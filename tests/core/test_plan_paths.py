"""Every fast path gives the same plan as the straightforward path, field by field.

The straightforward path (`build_plan(..., fast=False)`) types every record of OTHER and
compares it with THIS's in Python; it is the oracle. The SQLite join path must agree on
the sample pair, on Eden data and on generated pairs with every kind of difference.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from builders import Databases, Pair, at, shape, uid, urn

from core.commit import commit_plan
from core.compare_raw import RawCompare
from core.compare_sqlite import SqliteJoin
from core.export import export
from core.mapping import Mapping, load_mapping
from core.matching import build_plan
from core.plan import Plan
from core.policy import preset
from core.schema import MetaNames
from core.sources.errors import SourceError
from core.sources.open import open_other
from core.sources.sql import SqlDataset

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "resources" / "samples"
EDEN = REPO_ROOT / "tests" / "fixtures" / "eden"

_VECTOR_FIELDS = (
    "resource",
    "uuid",
    "method",
    "label",
    "place",
    "other_values",
    "this_values",
    "differing",
    "this_modified",
    "other_modified",
    "other_created",
    "other_mci",
    "parent",
    "this_key",
    "this_place",
    "this_fingerprint",
    "references",
    "dangling",
    "action",
    "reason",
    "blocked",
)


def _vectors(plan: Plan) -> dict[tuple[str, str], dict[str, Any]]:
    found = {}
    for vector in plan.vectors:
        fields = {name: getattr(vector, name) for name in _VECTOR_FIELDS}
        fields["other_values"] = {k: repr(v) for k, v in vector.other_values.items()}
        fields["this_values"] = {k: repr(v) for k, v in vector.this_values.items()}
        fields["problems"] = sorted(map(str, vector.problems))
        assert vector.identity not in found, vector.identity
        found[vector.identity] = fields
    return found


def assert_same_plan(fast: Plan, oracle: Plan) -> None:
    fast_vectors, oracle_vectors = _vectors(fast), _vectors(oracle)
    assert sorted(fast_vectors) == sorted(oracle_vectors)
    for identity, expected in oracle_vectors.items():
        assert fast_vectors[identity] == expected, identity
    assert list(fast.unchanged) == list(oracle.unchanged)
    assert fast.unchanged.counts_by_resource() == oracle.unchanged.counts_by_resource()
    assert fast.counts() == oracle.counts()
    assert fast.warnings == oracle.warnings
    identities = {v.identity for v in oracle.vectors} | {u[:2] for u in oracle.unchanged}
    for vector in oracle.vectors:
        identities |= {(t, v.get(f)) for f, t in vector.references.items() for v in _sides(vector)}
        identities.add(vector.parent or ("person", "urn:uuid:not-there"))
    for resource, uuid in identities:
        if resource in oracle.this_index and isinstance(uuid, str):
            assert fast.this_has(resource, uuid) == oracle.this_has(resource, uuid)
            expected = oracle.this_index[resource].get(uuid)
            assert fast.this_index[resource].get(uuid) == expected, (resource, uuid)


def _sides(vector: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    return vector.other_values, vector.this_values


def both_paths(this: SqlDataset, other: Any) -> tuple[Plan, Plan]:
    return build_plan(this, other, fast=True), build_plan(this, other, fast=False)


def joinable(this: SqlDataset, other: SqlDataset) -> set[str]:
    """The resources the SQLite join plans itself (the rest fall back)."""
    join = SqliteJoin.open(this, other)
    assert join is not None
    with join:
        return {name for name in this.schema.resources if join.pairs(name) is not None}


def verdicts(this: SqlDataset, other: SqlDataset, resource: str) -> dict[str, int]:
    """OTHER's uuid → the join's verdict (0 unchanged, 1 deleted on both, 2 candidate)."""
    join = SqliteJoin.open(this, other)
    assert join is not None
    with join:
        pairs = join.pairs(resource)
        assert pairs is not None
        by_key = {o: v for rows in pairs for t, o, _, v in rows if t is not None}
    with sqlite3.connect(other.engine.url.database.removeprefix("file:").split("?")[0]) as conn:
        uuids = dict(conn.execute(f"SELECT id, uuid FROM {resource}"))
    return {uuids[key]: verdict for key, verdict in by_key.items()}


# ----- the bundled sample pair
def test_the_sample_pair() -> None:
    this = SqlDataset(SAMPLES / "local.db", readonly=True)
    other = SqlDataset(SAMPLES / "incoming.db", readonly=True)
    try:
        assert joinable(this, other) == set(this.schema.resources)
        fast, oracle = both_paths(this, other)
        assert len(fast.unchanged) > 0 and fast.vectors
        assert_same_plan(fast, oracle)
    finally:
        this.close()
        other.close()


@pytest.mark.parametrize("name", ["incoming.xml", "incoming.json"])
def test_the_sample_files_match_the_database_plan(name: str) -> None:
    this = SqlDataset(SAMPLES / "local.db", readonly=True)
    other_db = SqlDataset(SAMPLES / "incoming.db", readonly=True)
    try:
        from_db = build_plan(this, other_db)
        from_file = build_plan(this, open_other(SAMPLES / name))
        assert [(u.resource, u.uuid, u.note, u.parent) for u in from_file.unchanged] == [
            (u.resource, u.uuid, u.note, u.parent) for u in from_db.unchanged
        ]
    finally:
        this.close()
        other_db.close()


# ----- Eden data: THIS seeded from Eden's first export, OTHER from its mutated export
def _eden_database(path: Path, export: str) -> SqlDataset:
    with sqlite3.connect(path) as conn:
        conn.executescript((EDEN / "eden-schema.sql").read_text(encoding="utf-8"))
    dataset = SqlDataset(path, load_mapping("eden"))
    commit_plan(build_plan(dataset, open_other(EDEN / "eden-exports" / export)), dataset)
    return dataset


def test_eden_reference_data(tmp_path: Path) -> None:
    this = _eden_database(tmp_path / "this.db", "01-seeded-pr_person-addr_contact.xml")
    other = _eden_database(tmp_path / "other.db", "02-mutated-pr_person-addr_contact-deleted.xml")
    try:
        assert joinable(this, other) >= {"pr_person", "pr_address", "pr_contact"}
        fast, oracle = both_paths(this, other)
        assert fast.vectors and len(fast.unchanged) > 0
        assert_same_plan(fast, oracle)
    finally:
        this.close()
        other.close()


# ----- generated pairs with every kind of difference
def _person(n: int, name: str, **more: Any) -> dict[str, Any]:
    return {"uuid": urn(n), "name": name, "modified_on": at(0), "deleted": False, **more}


def _this_rows() -> dict[str, list[dict[str, Any]]]:
    locations = [
        {"uuid": urn(90), "name": "Town", "modified_on": at(0)},
        {"uuid": urn(91), "name": "Village", "modified_on": at(0)},
    ]
    persons = [_person(n, f"P{n}", age=n, location_id=urn(90)) for n in range(1, 22)]
    persons[4]["deleted"] = True  # 5: deleted in THIS, restored by OTHER
    persons[5]["deleted"] = True  # 6: deleted on both sides
    addresses = [
        {"uuid": urn(100 + n), "person_id": urn(n), "street": f"S{n}", "modified_on": at(0)}
        for n in range(1, 6)
    ]
    return {"location": locations, "person": persons, "address": addresses}


def _other_rows() -> dict[str, list[dict[str, Any]]]:
    rows = _this_rows()
    persons = {p["uuid"]: p for p in rows["person"]}
    persons[urn(2)]["name"] = "Changed"
    persons[urn(2)]["modified_on"] = at(5)
    persons[urn(3)]["location_id"] = urn(91)  # changed reference
    persons[urn(4)]["deleted"] = True  # deleted in OTHER
    persons[urn(5)]["deleted"] = False  # restored
    persons[urn(7)]["age"] = None  # NULL against a value
    persons[urn(8)]["location_id"] = None
    rows["person"].append(_person(30, "New", location_id=urn(91)))
    rows["person"].append(_person(31, "Gone before", deleted=True))  # THIS never had it
    rows["address"][1]["person_id"] = urn(9)  # changed component link
    rows["address"].append({"uuid": urn(130), "person_id": urn(30), "street": "New st"})
    return rows


def _raw(path: str, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


_EXTRA = shape(
    extra={
        "person.seen": sa.DateTime(),
        "person.born": sa.Date(),
        "person.flag": sa.Boolean(),
        "person.score": sa.Float(),
        "person.note": sa.JSON(),
    }
)


@pytest.fixture
def generated(sqlite_dbs: Databases) -> Pair:
    pair = sqlite_dbs.pair(_this_rows(), _other_rows(), this_shape=_EXTRA, other_shape=_EXTRA)
    for target in (pair.this_target, pair.other_target):
        _raw(
            target,
            "UPDATE person SET seen = '2024-01-01 08:00:00', born = '1990-01-31', flag = 1, "
            "score = 1.5",
            # JSON text is always typed in Python (a candidate), equal or not.
            f"UPDATE person SET note = '[1]' WHERE uuid IN ('{urn(1)}', '{urn(2)}')",
            # The same bad values on both sides are errors, not unchanged records.
            f"UPDATE person SET born = '1990-02-30' WHERE uuid = '{urn(19)}'",
            f"UPDATE person SET flag = 'maybe' WHERE uuid = '{urn(20)}'",
            f"UPDATE location SET name = NULL WHERE uuid = '{urn(91)}'",
        )
    # Timestamps written two ways, '1' against 1, and values no converter accepts.
    _raw(
        pair.this_target,
        f"UPDATE person SET modified_on = '2024-05-01 10:00:00.000000' WHERE uuid = '{urn(10)}'",
        f"UPDATE person SET age = '11' WHERE uuid = '{urn(11)}'",
        f"UPDATE person SET age = 'twelve' WHERE uuid = '{urn(12)}'",
        f"UPDATE person SET created_on = 'soon' WHERE uuid = '{urn(21)}'",
    )
    _raw(
        pair.other_target,
        f"UPDATE person SET modified_on = '2024-05-01T10:00:00' WHERE uuid = '{urn(13)}'",
        f"UPDATE person SET modified_on = 'last tuesday' WHERE uuid = '{urn(14)}'",
        f"UPDATE person SET age = 'fifteen' WHERE uuid = '{urn(15)}'",
        f"UPDATE person SET modified_on = '2024-02-30 10:00:00' WHERE uuid = '{urn(16)}'",
        f"UPDATE person SET deleted = 'yes' WHERE uuid = '{urn(17)}'",
        f"UPDATE person SET location_id = 999 WHERE uuid = '{urn(18)}'",  # dangling
        f"UPDATE address SET modified_on = '2024-05-01 10:00:00.000' WHERE uuid = '{urn(103)}'",
        "INSERT INTO person (id, uuid, name) VALUES (5000, '  ', 'No uuid')",
        # Data timestamps: the same time written another way, and a microsecond apart.
        f"UPDATE person SET seen = '2024-01-01T08:00:00.000000' WHERE uuid = '{urn(1)}'",
        f"UPDATE person SET seen = '2024-01-01 08:00:00.000001' WHERE uuid = '{urn(9)}'",
        f"UPDATE person SET score = 1.5000000000000002 WHERE uuid = '{urn(11)}'",
    )
    return pair


def test_generated_pair_with_every_kind_of_difference(generated: Pair) -> None:
    assert joinable(generated.this, generated.other) == {"location", "person", "address"}
    fast, oracle = both_paths(generated.this, generated.other)
    actions = {v.identity: v.action.value for v in oracle.vectors}
    assert oracle.get("person", urn(2)).differing == ("name",)
    assert actions[("person", urn(4))] == "skip"  # deletes not allowed by the fallback
    assert actions[("person", urn(12))] == "error"
    assert actions[("person", urn(14))] == "error"
    assert ("person", urn(10)) not in actions  # timestamp written another way only
    assert oracle.get("person", urn(11)).differing == ("score",)  # '11' is 11, 1.5 is not
    assert fast.unchanged.contains("person", urn(13))
    assert [u.note for u in oracle.unchanged if u.uuid == urn(6)] == ["deleted on both sides"]
    assert oracle.get("person", urn(9)).differing == ("seen",)
    assert actions[("person", urn(19))] == "error" and actions[("person", urn(20))] == "error"
    assert actions[("person", urn(21))] == "error"  # THIS's own created_on is bad
    seen = verdicts(generated.this, generated.other, "person")
    assert seen[urn(20)] == 2 and seen[urn(9)] == 2 and seen[urn(1)] == 2
    assert seen[urn(6)] == 1 and list(seen.values()).count(0) >= 2
    assert_same_plan(fast, oracle)


def test_a_fast_plan_commits_what_the_oracle_commits(generated: Pair, tmp_path: Path) -> None:
    results = []
    for fast in (True, False):
        copy = tmp_path / f"this-{fast}.db"
        shutil.copy(generated.this_target, copy)
        this = SqlDataset(copy)
        try:
            plan = build_plan(this, generated.other, preset("replace"), fast=fast)
            report = commit_plan(plan, this)
            assert report.ok and report.counts["update"] > 0, report
            with sqlite3.connect(copy) as conn:
                results.append(
                    {
                        t: sorted(map(repr, conn.execute(f"SELECT * FROM {t}")))
                        for t in ("location", "person", "address")
                    }
                )
        finally:
            this.close()
    assert results[0] == results[1]


def test_other_numbering_its_rows_its_own_way(generated: Pair) -> None:
    # The rows the join picks out are read back by key from each side, in one query per
    # side: OTHER's keys must pair with THIS's however OTHER numbers its rows.
    _raw(
        generated.other_target,
        "UPDATE location SET id = 100000 - id, parent = 100000 - parent",
        "UPDATE person SET id = 100000 - id, location_id = 100000 - location_id",
        "UPDATE address SET id = 100000 - id, person_id = 100000 - person_id, "
        "location_id = 100000 - location_id",
    )
    assert joinable(generated.this, generated.other) == {"location", "person", "address"}
    fast, oracle = both_paths(generated.this, generated.other)
    assert oracle.get("person", urn(2)).differing == ("name",)
    assert_same_plan(fast, oracle)


def test_a_row_gone_between_the_join_and_its_reading_is_an_error(generated: Pair) -> None:
    join = SqliteJoin.open(generated.this, generated.other)
    assert join is not None
    with join, pytest.raises(SourceError, match="removed while the plan read it"):
        list(join.rows(generated.this.schema).pairs("person", [(1, 1), (99999, 2)]))


@pytest.mark.parametrize(
    "spelling",
    [
        "substr(uuid, 10)",  # all bare
        "upper(uuid)",  # all upper case
        "CASE WHEN id % 2 THEN upper(substr(uuid, 10)) ELSE uuid END",  # mixed
        "CASE WHEN id % 3 THEN ' ' || uuid ELSE uuid END",  # spaces
    ],
)
@pytest.mark.parametrize("side", ["this", "other"])
def test_uuid_spellings(generated: Pair, spelling: str, side: str) -> None:
    target = generated.this_target if side == "this" else generated.other_target
    _raw(target, *(f"UPDATE {t} SET uuid = {spelling}" for t in ("location", "person", "address")))
    fast, oracle = both_paths(generated.this, generated.other)
    assert_same_plan(fast, oracle)


def test_a_prefixed_identity_that_is_no_uuid_in_a_table_of_bare_uuids(generated: Pair) -> None:
    # 'urn:uuid:legacy-7' is kept as it is, where a table of bare uuids would spell a real
    # uuid without its prefix: such a table is not uniform, and the plan still matches it.
    for target in (generated.this_target, generated.other_target):
        _raw(
            target,
            "UPDATE person SET uuid = substr(uuid, 10)",
            f"UPDATE person SET uuid = 'urn:uuid:legacy-7' WHERE uuid = '{uid(7)}'",
        )
    fast, oracle = both_paths(generated.this, generated.other)
    assert oracle.get("person", "urn:uuid:legacy-7").method.value == "update"  # matched
    assert_same_plan(fast, oracle)


@pytest.mark.parametrize("spelling", ["upper(uuid)", "substr(uuid, 10)", "uuid || ' '"])
def test_a_record_other_spells_otherwise_is_found_either_way(
    generated: Pair, spelling: str
) -> None:
    # The join hopes OTHER spells its uuids as THIS does and checks the rows THIS lacks:
    # one spelled otherwise, THIS having it or not, sends the resource to the full checks.
    _raw(
        generated.other_target,
        f"UPDATE person SET uuid = {spelling} WHERE uuid IN ('{urn(3)}', '{urn(30)}')",
    )
    fast, oracle = both_paths(generated.this, generated.other)
    assert ("person", urn(30)) in {v.identity for v in oracle.vectors}  # new in OTHER
    assert ("person", urn(3)) not in {
        v.identity for v in oracle.vectors if v.method.value == "create"
    }
    assert_same_plan(fast, oracle)


def test_duplicate_identities_fall_back_and_agree(generated: Pair) -> None:
    _raw(
        generated.other_target,
        f"INSERT INTO person (id, uuid, name) VALUES (6000, '{uid(3).upper()}', 'Twin')",
    )
    _raw(
        generated.this_target,
        f"INSERT INTO location (id, uuid, name) VALUES (6000, '{uid(91)}', 'Twin')",
    )
    assert "person" not in joinable(generated.this, generated.other)
    fast, oracle = both_paths(generated.this, generated.other)
    assert_same_plan(fast, oracle)


def test_other_read_with_other_meta_names_falls_back_and_agrees(generated: Pair) -> None:
    # OTHER keeps its modification time in `mci` as far as its mapping says: the join
    # (which reads OTHER with THIS's names) must leave such a pair to the general path.
    mapping = Mapping(meta=MetaNames(modified_on="mci", mci="modified_on"))
    other = SqlDataset(generated.other_target, mapping, readonly=True)
    try:
        assert joinable(generated.this, other) == set()
        fast, oracle = both_paths(generated.this, other)
        assert_same_plan(fast, oracle)
    finally:
        other.close()


# ----- OTHER as a file: THIS's rows compared raw before typing
def _counting(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The raw compare's answers, typed OTHER records and raw ones alike (True:
    unchanged without typing THIS's row)."""
    answers: list[bool] = []
    original, original_raw = RawCompare.unchanged, RawCompare.unchanged_raw

    def unchanged(self: RawCompare, record: Any, row: Any) -> bool:
        answers.append(original(self, record, row))
        return answers[-1]

    def unchanged_raw(self: RawCompare, record: Any, row: Any) -> int | None:
        micros = original_raw(self, record, row)
        if micros is not None:
            answers.append(True)
        return micros

    monkeypatch.setattr(RawCompare, "unchanged", unchanged)
    monkeypatch.setattr(RawCompare, "unchanged_raw", unchanged_raw)
    return answers


@pytest.mark.parametrize("name", ["incoming.xml", "incoming.json"])
def test_sample_files_raw_compare(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    this = SqlDataset(SAMPLES / "local.db", readonly=True)
    try:
        answers = _counting(monkeypatch)
        fast, oracle = both_paths(this, open_other(SAMPLES / name))
        assert True in answers and False in answers
        assert_same_plan(fast, oracle)
    finally:
        this.close()


@pytest.mark.parametrize(
    "export",
    ["02-mutated-pr_person-addr_contact-deleted.xml", "01-seeded-pr_person-addr_contact.s3json"],
)
def test_eden_exports_raw_compare(
    tmp_path: Path, export: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    this = _eden_database(tmp_path / "this.db", "01-seeded-pr_person-addr_contact.xml")
    try:
        answers = _counting(monkeypatch)
        fast, oracle = both_paths(this, open_other(EDEN / "eden-exports" / export))
        assert True in answers
        assert_same_plan(fast, oracle)
    finally:
        this.close()


def test_generated_pair_exported_raw_compare(
    generated: Pair, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for form in ("s3xml", "csv"):
        target = tmp_path / ("other.xml" if form == "s3xml" else "other-csv")
        export(generated.other, target, form)
        answers = _counting(monkeypatch)
        fast, oracle = both_paths(generated.this, open_other(target))
        assert True in answers and False in answers
        assert_same_plan(fast, oracle)


def test_a_schema_reflected_again_for_the_same_schema_text_is_the_same(
    generated: Pair,
) -> None:
    # OTHER with THIS's schema text takes THIS's reflected schema (not reflected again);
    # a change of the text is reflected afresh.
    mapping = load_mapping(None)
    this = SqlDataset(generated.this_target, mapping, readonly=True)
    other = SqlDataset(generated.other_target, mapping, readonly=True)
    assert other.schema == this.schema and other.schema is not this.schema
    _raw(generated.other_target, "ALTER TABLE person ADD COLUMN nickname TEXT")
    changed = SqlDataset(generated.other_target, mapping, readonly=True)
    assert "nickname" in changed.schema.resources["person"].columns
    assert "nickname" not in this.schema.resources["person"].columns
    for dataset in (this, other, changed):
        dataset.close()
