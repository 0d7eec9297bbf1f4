"""Commit (docs/semantics.md, Commit) and dry run: one transaction, order, cycles, modified_on,
stale check,
delete, journal."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from builders import Databases, at, shape, uid, urn

from core.commit import CommitError, StaleError
from core.timestamps import to_utc
from core.vocabulary import Action, Method


def person(n: int, name: str, hours: float | None = 0, **values: Any) -> dict[str, Any]:
    return {
        "uuid": uid(n),
        "name": name,
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


def stamp(value: Any) -> Any:
    """A stored timestamp as an aware UTC datetime (SQLite stores text)."""
    from core.values import to_datetime

    return None if value is None else to_utc(to_datetime(value))


def execute(pair, sql: str, **params: Any) -> None:
    with pair.this.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


# ----- create / update / delete


def test_create_inserts_uuid_created_on_and_modified_on(dbs: Databases) -> None:
    pair = dbs.pair({}, {"person": [person(2, "Bob", 3, created_on=at(-5), mci=2)]})
    pair.commit(policy=None)
    row = pair.rows("person")[urn(2)]
    assert stamp(row["modified_on"]) == to_utc(at(3))
    assert stamp(row["created_on"]) == to_utc(at(-5))
    assert row["deleted"] in (False, 0)


def test_update_writes_only_fields_whose_outcome_differs(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", 0, age=30)]}, {"person": [person(1, "Anne", 2, age=31)]}
    )
    report = pair.commit(policy=lambda v: setattr(v, "resolution", {"name": "other"}))
    [image] = report.images
    assert set(image.after) == {"name", "modified_on"}
    assert pair.rows("person")[urn(1)]["age"] == 30


def test_modified_on_never_moves_backwards(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", 5), person(2, "Bob", 1)]},
        {"person": [person(1, "Anne", 1), person(2, "Bobby", 5)]},
    )
    pair.commit(policy="replace")
    rows = pair.rows("person")
    assert rows[urn(1)]["name"] == "Anne"
    assert stamp(rows[urn(1)]["modified_on"]) == to_utc(at(5))  # THIS's later time kept
    assert stamp(rows[urn(2)]["modified_on"]) == to_utc(at(5))  # OTHER's later time taken


def test_modified_on_untouched_when_nothing_written(dbs: Databases) -> None:
    pair = dbs.pair(
        {
            "person": [person(1, "Ann", 0)],
            "address": [
                {"uuid": uid(11), "person_id": uid(1), "street": "Old", "modified_on": at(0)}
            ],
        },
        {
            "person": [person(1, "Anne", 3), person(1 + 1, "Bob", 0)],
            "address": [
                {"uuid": uid(11), "person_id": uid(1), "street": "New", "modified_on": at(4)}
            ],
        },
    )
    before = pair.rows("person")[urn(1)]
    plan = pair.plan(
        lambda v: setattr(v, "resolution", "other" if v.resource == "address" else "this")
    )
    assert plan.get("person", urn(1)).action is Action.UNCHANGED
    pair.commit(plan)
    assert pair.rows("person")[urn(1)] == before
    assert pair.rows("address")[urn(11)]["street"] == "New"


def test_delete_sets_deleted_flag_never_removes_rows(dbs: Databases) -> None:
    pair = dbs.pair(
        {
            "person": [person(1, "Ann", 0, deleted=False)],
            "address": [
                {"uuid": uid(11), "person_id": uid(1), "street": "Old", "modified_on": at(0)}
            ],
        },
        {"person": [person(1, "Ann", 2, deleted=True)]},
    )
    plan = pair.plan(lambda v: setattr(v, "strategy", ["delete"]))
    assert plan.vectors[0].action is Action.DELETE
    pair.commit(plan)
    row = pair.rows("person")[urn(1)]
    assert row["deleted"] in (True, 1)
    assert stamp(row["modified_on"]) == to_utc(at(2))
    assert urn(11) in pair.rows("address")  # no cascade: the row was not removed


def test_delete_without_deleted_column_is_skipped(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]},
        {"person": [person(1, "Ann", 1, deleted=True)]},
        this_shape=shape(drop={"person.deleted"}),
    )
    plan = pair.plan(lambda v: setattr(v, "strategy", ["create", "update", "delete"]))
    [vector] = plan.vectors
    assert (vector.method, vector.action) == (Method.DELETE, Action.SKIP)
    assert "deleted" in vector.reason
    pair.commit(plan)
    assert set(pair.rows("person")) == {urn(1)}


# ----- one transaction, stale check


def test_commit_is_one_transaction(dbs: Databases, monkeypatch: pytest.MonkeyPatch) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]}, {"person": [person(1, "Anne", 1), person(2, "Bob")]}
    )
    plan = pair.plan("replace")
    before = pair.snapshot()

    def fail(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk full while journalling")

    monkeypatch.setattr("core.commit.write_entry", fail)
    with pytest.raises(RuntimeError):
        pair.commit(plan)
    assert pair.snapshot() == before


def test_commit_refused_by_database_writes_nothing(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]},
        {"person": [person(1, "Anne", 1), person(2, "Bob"), person(3, None)]},  # type: ignore[arg-type]
        other_shape=shape(nullable={"person.name"}),
    )
    plan = pair.plan("replace")
    before = pair.snapshot()
    with pytest.raises(CommitError) as raised:
        pair.commit(plan)
    assert [(p.resource, p.uuid, p.field) for p in raised.value.problems] == [
        ("person", urn(3), "name")
    ]
    assert pair.snapshot() == before


def test_stale_commit_refused_nothing_written(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann"), person(2, "Bob")]},
        {"person": [person(1, "Anne", 1), person(2, "Bobby", 1), person(3, "Cid")]},
    )
    plan = pair.plan("replace")
    execute(pair, "UPDATE person SET age = 50 WHERE name = 'Bob'")
    before = pair.snapshot()
    with pytest.raises(StaleError) as raised:
        pair.commit(plan)
    assert any(urn(2) in r for r in raised.value.records)
    assert not any(urn(1) in r for r in raised.value.records)
    assert pair.snapshot() == before


def test_stale_commit_refused_when_record_removed(dbs: Databases) -> None:
    pair = dbs.pair({"person": [person(1, "Ann")]}, {"person": [person(1, "Anne", 1)]})
    plan = pair.plan("replace")
    execute(pair, "DELETE FROM person")
    with pytest.raises(StaleError):
        pair.commit(plan)


def test_create_identity_appeared_is_stale(dbs: Databases) -> None:
    pair = dbs.pair({}, {"person": [person(2, "Bob")]})
    plan = pair.plan()
    execute(
        pair,
        "INSERT INTO person (uuid, name) VALUES (:u, 'Robert')",
        u=urn(2).upper().replace("URN:UUID:", "urn:uuid:"),
    )
    before = pair.snapshot()
    with pytest.raises(StaleError) as raised:
        pair.commit(plan)
    assert urn(2) in str(raised.value)
    assert pair.snapshot() == before


# ----- order and cycles


def test_reference_cycle_of_two_committed(dbs: Databases) -> None:
    pair = dbs.pair(
        {}, {"location": [location(91, "North", parent=92), location(92, "South", parent=91)]}
    )
    report = pair.commit(policy=None)
    rows = pair.rows("location")
    assert pair.uuid_of("location", rows[urn(91)]["parent"]) == urn(92)
    assert pair.uuid_of("location", rows[urn(92)]["parent"]) == urn(91)
    after = {i.uuid: i.after for i in report.images}
    assert after[urn(91)]["parent"] == rows[urn(91)]["parent"]
    assert after[urn(92)]["parent"] == rows[urn(92)]["parent"]


def test_reference_cycle_not_null_refused(dbs: Databases) -> None:
    pair = dbs.pair(
        {"location": [location(90, "Root", parent=90)]},
        {"location": [location(91, "North", parent=92), location(92, "South", parent=91)]},
        this_shape=shape(not_null={"location.parent"}),
    )
    plan = pair.plan()
    before = pair.snapshot()
    with pytest.raises(CommitError) as raised:
        pair.commit(plan)
    problems = raised.value.problems
    assert problems and all(p.field == "parent" for p in problems)
    assert "cycle" in str(raised.value)
    assert pair.snapshot() == before


def test_referenced_records_written_before_referencing_ones(dbs: Databases) -> None:
    # A chain (no cycle) through a NOT NULL self-reference: it must be written in
    # dependency order, whatever order OTHER lists the records in.
    pair = dbs.pair(
        {"location": [location(90, "Root", parent=90)]},
        {
            "location": [
                location(90, "Root", parent=90),
                location(93, "Street", parent=92),
                location(92, "Town", parent=91),
                location(91, "Region", parent=90),
            ]
        },
        this_shape=shape(not_null={"location.parent"}),
    )
    pair.commit(policy=None)
    rows = pair.rows("location")
    assert pair.uuid_of("location", rows[urn(93)]["parent"]) == urn(92)
    assert pair.uuid_of("location", rows[urn(91)]["parent"]) == urn(90)


# ----- dry run


def test_dry_run_writes_nothing_and_reports_not_null_on_vector_and_field(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]},
        {"person": [person(1, "Anne", 1), person(2, None), person(3, "Cid")]},
        other_shape=shape(nullable={"person.name"}),
    )
    plan = pair.plan("replace")
    assert plan.get("person", urn(2)).action is Action.CREATE
    before = pair.snapshot()
    report = pair.commit(plan, dry_run=True)
    assert pair.snapshot() == before
    assert [(p.resource, p.uuid, p.field) for p in report.problems] == [("person", urn(2), "name")]
    # what would have been written is still reported
    assert report.counts["create"] == 1 and report.counts["update"] == 1


def test_dry_run_without_problems_reports_counts_and_writes_nothing(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann")]}, {"person": [person(1, "Anne", 1), person(2, "Bob")]}
    )
    before = pair.snapshot()
    report = pair.commit(policy="replace", dry_run=True)
    assert report.ok and report.counts == {"create": 1, "update": 1}
    assert pair.snapshot() == before


# ----- journal


def test_journal_row_with_before_after_images(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [person(1, "Ann", 0, age=30), person(3, "Cid", 0, deleted=False)]},
        {
            "person": [
                person(1, "Anne", 1, age=30),
                person(2, "Bob"),
                person(3, "Cid", 1, deleted=True),
            ]
        },
    )
    report = pair.commit(
        policy=lambda v: (
            setattr(v, "strategy", ["create", "update", "delete"])
            or setattr(v, "resolution", "other")
        )
    )
    with pair.this.engine.connect() as conn:
        [entry] = conn.execute(sa.text("SELECT * FROM truce_journal")).mappings().all()
        images = (
            conn.execute(sa.text("SELECT * FROM truce_journal_image ORDER BY seq")).mappings().all()
        )
    assert entry["id"] == report.journal_id
    assert entry["other_source"] == pair.other.label
    assert json.loads(entry["counts"]) == {"create": 1, "update": 1, "delete": 1}
    by_uuid = {i["record_uuid"]: i for i in images}
    assert set(by_uuid) == {urn(1), urn(2), urn(3)}
    update = by_uuid[urn(1)]
    assert update["action"] == "update"
    assert json.loads(update["before"])["name"] == "Ann"
    assert json.loads(update["after"])["name"] == "Anne"
    create = by_uuid[urn(2)]
    assert create["before"] is None and json.loads(create["after"])["name"] == "Bob"
    delete = by_uuid[urn(3)]
    assert json.loads(delete["before"])["deleted"] in (False, 0)
    assert json.loads(delete["after"])["deleted"] in (True, 1)


def test_json_and_decimal_fields_compare_and_commit(dbs: Databases) -> None:
    typed = shape(extra={"person.tags": sa.JSON(), "person.score": sa.Numeric(6, 2)})
    pair = dbs.pair(
        {"person": [person(1, "Ann", 0, tags={"a": [1]}, score=1.5)]},
        {
            "person": [
                person(1, "Ann", 1, tags={"a": [1, 2]}, score=2.25),
                person(2, "Bob", 0, tags=["x"], score=3),
            ]
        },
        this_shape=typed,
        other_shape=typed,
    )
    plan = pair.plan("replace")
    assert plan.get("person", urn(1)).action is Action.UPDATE
    pair.commit(plan)
    assert pair.plan("replace").counts()["update"] == 0


def test_the_commit_leaves_the_garbage_collector_as_it_found_it(sqlite_dbs: Databases) -> None:
    # The commit stops cyclic collection for its own duration only.
    import gc

    pair = sqlite_dbs.pair({}, {"person": [person(1, "Ann")]})
    plan = pair.plan()
    execute(pair, "INSERT INTO person (uuid, name) VALUES (:u, 'Ann')", u=uid(1))
    with pytest.raises(StaleError):
        pair.commit(plan=plan)
    assert gc.isenabled()
    execute(pair, "DELETE FROM person")
    pair.commit()
    assert gc.isenabled()
    assert pair.rows("person")[urn(1)]["name"] == "Ann"
