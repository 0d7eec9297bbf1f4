"""Journal and revert (docs/semantics.md, Journal and revert; docs/reports.md#revert): undo a
commit exactly, or refuse."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from builders import Databases, Pair, at, shape, uid

from core.cli import main
from core.commit import commit_plan
from core.policy import Policy
from core.revert import RevertError, RevertRefused, journal_entries, revert_commit
from core.session import load_policy, open_pair

ALL_METHODS = Policy(
    "all",
    lambda v: (
        setattr(v, "strategy", ["create", "update", "delete"]),
        setattr(v, "resolution", "other"),
    ),
)


def _sqlite_tables(path: Path) -> dict[str, dict[Any, tuple]]:
    """Every row of every table but the journal's, by primary key; `modified_on` left out
    (a revert sets it to now: see test_revert_records_a_new_modified_on)."""
    with sqlite3.connect(path) as conn:
        conn.row_factory = _without_modified_on
        names = [
            n
            for (n,) in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = "
                "'table' AND name NOT LIKE 'truce_journal%'"
            )
        ]
        return {n: {row[0]: row for row in conn.execute(f"SELECT * FROM {n}")} for n in names}


def _without_modified_on(cursor: sqlite3.Cursor, row: tuple) -> tuple:
    names = [d[0] for d in cursor.description]
    return tuple(v for n, v in zip(names, row, strict=True) if n != "modified_on")


def _deleted_column(path: Path, table: str) -> int:
    with sqlite3.connect(path) as conn:
        names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    return [n for n in names if n != "modified_on"].index("deleted")


def _snapshot(pair: Pair) -> dict[str, list[tuple]]:
    """Every row of THIS's own tables without `modified_on` (a revert sets it to now)."""
    with pair.this.engine.connect() as conn:
        names = [n for n in sa.inspect(conn).get_table_names() if not n.startswith("truce_")]
        snapshot = {}
        for name in sorted(names):
            result = conn.execute(sa.text(f"SELECT * FROM {name}"))
            keep = [n for n, c in enumerate(result.keys()) if c != "modified_on"]
            snapshot[name] = sorted((tuple(r[n] for n in keep) for r in result), key=repr)
        return snapshot


def test_sample_commit_then_revert_restores_every_table(sample_paths, tmp_path):
    this = tmp_path / "local.db"
    shutil.copy(sample_paths["local"], this)
    before = _sqlite_tables(this)
    pair = open_pair(this, sample_paths["incoming"])
    report = commit_plan(pair.plan(load_policy("replace-newer")), pair.this)
    assert report.counts["create"] > 0 and report.counts["update"] > 0
    committed = _sqlite_tables(this)
    assert committed != before

    revert = revert_commit(pair.this, report.journal_id)
    assert revert.counts == {"update": report.counts["update"], "delete": report.counts["create"]}
    after = _sqlite_tables(this)
    assert set(after) == set(before)
    created = {i.key for i in report.images if i.action == "create"}
    for table, rows in after.items():
        deleted = _deleted_column(this, table)
        extra = set(rows) - set(before[table])
        assert {k for k in rows if k in before[table]} == set(before[table])
        for key, row in before[table].items():
            assert rows[key] == row, (table, key)
        # Created records stay, marked deleted, otherwise as the commit wrote them.
        assert extra <= created
        for key in extra:
            assert rows[key][deleted] == 1
            assert rows[key][:deleted] + rows[key][deleted + 1 :] == (
                committed[table][key][:deleted] + committed[table][key][deleted + 1 :]
            )
    assert sum(len(set(after[t]) - set(before[t])) for t in after) == report.counts["create"]


def _people(dbs: Databases, **this_shape: Any) -> Pair:
    """THIS: Ann (with an address) and Bob; OTHER renames Ann, adds Cy with an address,
    and deletes Bob when THIS can record a deletion."""
    deletable = "person.deleted" not in this_shape.get("drop", ())
    this = {
        "person": [
            {"uuid": uid(1), "name": "Ann", "age": 30, "modified_on": at(0), "deleted": False},
            {"uuid": uid(2), "name": "Bob", "age": 40, "modified_on": at(0), "deleted": False},
        ],
        "address": [
            {
                "uuid": uid(11),
                "person_id": uid(1),
                "street": "Old St",
                "modified_on": at(0),
                "deleted": False,
            }
        ],
    }
    other = {
        "person": [
            {"uuid": uid(1), "name": "Ann B", "age": 31, "modified_on": at(2), "deleted": False},
            {"uuid": uid(2), "name": "Bob", "age": 40, "modified_on": at(2), "deleted": deletable},
            {"uuid": uid(3), "name": "Cy", "age": 5, "modified_on": at(1), "deleted": False},
        ],
        "address": [
            {
                "uuid": uid(11),
                "person_id": uid(1),
                "street": "New St",
                "modified_on": at(2),
                "deleted": False,
            },
            {
                "uuid": uid(13),
                "person_id": uid(3),
                "street": "Cy St",
                "modified_on": at(1),
                "deleted": False,
            },
        ],
    }
    if not deletable:
        for table in (this, other):
            for rows in table.values():
                for row in rows:
                    row.pop("deleted")
    return dbs.pair(
        this,
        other,
        this_shape=shape(**this_shape) if this_shape else shape(),
        other_shape=shape(**this_shape) if this_shape else shape(),
    )


def test_commit_then_revert_on_each_engine(dbs):
    pair = _people(dbs)
    before = _snapshot(pair)
    report = pair.commit(policy=ALL_METHODS)
    assert report.counts == {"create": 2, "update": 2, "delete": 1}
    revert_commit(pair.this, report.journal_id)
    after = _snapshot(pair)
    created: dict[str, set[Any]] = {}
    for image in report.images:
        if image.action == "create":
            created.setdefault(image.resource, set()).add(image.key)
    for table, rows in after.items():
        kept = [r for r in rows if r[0] not in created.get(table, set())]
        assert kept == before[table], table
    people = pair.rows("person")
    assert people[f"urn:uuid:{uid(3)}"]["deleted"]
    assert people[f"urn:uuid:{uid(1)}"]["name"] == "Ann"
    assert not people[f"urn:uuid:{uid(2)}"]["deleted"]
    assert pair.rows("address")[f"urn:uuid:{uid(13)}"]["deleted"]


def test_created_rows_are_removed_without_a_deleted_column(dbs):
    pair = _people(dbs, drop={"person.deleted", "address.deleted"})
    before = _snapshot(pair)
    report = pair.commit(policy=ALL_METHODS)
    assert report.counts["create"] == 2
    revert = revert_commit(pair.this, report.journal_id)
    assert revert.counts["remove"] == 2
    assert _snapshot(pair) == before
    # …and reverting the revert puts the removed rows back.
    revert_commit(pair.this, revert.journal_id)
    assert f"urn:uuid:{uid(3)}" in pair.rows("person")


def test_revert_refused_after_a_later_change_writes_nothing(dbs):
    pair = _people(dbs)
    report = pair.commit(policy=ALL_METHODS)
    with pair.this.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE person SET age = 99 WHERE name = 'Ann B'")
        conn.exec_driver_sql("UPDATE address SET street = 'Moved' WHERE street = 'Cy St'")
    before = pair.snapshot(journal=True)
    with pytest.raises(RevertRefused) as refused:
        revert_commit(pair.this, report.journal_id)
    message = str(refused.value)
    assert f"person urn:uuid:{uid(1)} (update in that commit)" in message
    assert f"address urn:uuid:{uid(13)} (create in that commit)" in message
    assert len(refused.value.records) == 2
    assert pair.snapshot(journal=True) == before


def test_revert_twice_or_unknown_is_refused(dbs):
    pair = _people(dbs)
    report = pair.commit(policy=ALL_METHODS)
    revert = revert_commit(pair.this, report.journal_id)
    with pytest.raises(RevertError, match=f"already reverted by commit {revert.journal_id}"):
        revert_commit(pair.this, report.journal_id)
    with pytest.raises(RevertError, match="no commit 42"):
        revert_commit(pair.this, 42)
    entries = journal_entries(pair.this)
    assert [(e.id, e.policy, e.note) for e in entries] == [
        (report.journal_id, "all", None),
        (revert.journal_id, "revert", f"revert of commit {report.journal_id}"),
    ]


def test_cli_journal_and_revert(sample_paths, tmp_path, capsys):
    this = tmp_path / "local.db"
    shutil.copy(sample_paths["local"], this)
    other = str(sample_paths["incoming"])
    assert main(["journal", str(this)]) == 0
    assert "No commits" in capsys.readouterr().out
    assert main(["commit", str(this), other, "--policy", "replace", "--yes", "-q"]) == 0
    assert capsys.readouterr().out == ""
    assert main(["journal", str(this)]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("   1  ") and f"{other} → {this}" in listing
    assert "policy replace: 98 create" in listing
    with sqlite3.connect(this) as conn:  # a later edit of a record the commit updated
        conn.execute(
            "UPDATE pr_person SET modified_on = '2030-01-01 00:00:00' WHERE id = ("
            "SELECT CAST(record_key AS INTEGER) FROM truce_journal_image "
            "WHERE resource = 'pr_person' AND action = 'update' LIMIT 1)"
        )
    assert main(["revert", str(this), "1", "--yes"]) == 3
    assert "revert of commit 1 refused: 1 record(s) changed" in capsys.readouterr().err
    assert main(["revert", str(this), "7", "--yes"]) == 2
    with pytest.raises(SystemExit) as usage:
        main(["revert", str(this), "x"])
    assert usage.value.code == 2


def test_columns_the_commit_did_not_write_are_left_alone(dbs):
    pair = _people(dbs)
    report = pair.commit(policy=ALL_METHODS)
    with pair.this.engine.begin() as conn:  # Bob was only marked deleted: age is unwritten
        conn.exec_driver_sql("UPDATE person SET age = 41 WHERE name = 'Bob'")
    revert_commit(pair.this, report.journal_id)
    bob = pair.rows("person")[f"urn:uuid:{uid(2)}"]
    assert bob["age"] == 41 and not bob["deleted"]


def test_eden_revert_marks_created_records_with_char_booleans(dbs):
    from builders import eden_pair, urn
    from test_eden import LATER, eden_person, pentity

    this = {
        "pr_pentity": [pentity(1, urn(1)), pentity(2, urn(2))],
        "pr_person": [
            eden_person(1, urn(1), "Ann", 1),
            eden_person(2, urn(2), "Bob", 2, deleted="T"),
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
    before = _snapshot(pair)
    report = pair.commit(policy=ALL_METHODS)
    assert report.counts == {"create": 1, "update": 1, "delete": 1}
    revert_commit(pair.this, report.journal_id)
    after = _snapshot(pair)
    people = pair.rows("pr_person")
    assert people[urn(3)]["deleted"] == "T"  # created, now marked deleted
    assert people[urn(1)]["deleted"] == "F" and people[urn(2)]["deleted"] == "T"
    for table, rows in before.items():
        extra = [r for r in after[table] if r not in rows]
        assert [r for r in after[table] if r in rows] == rows, table
        # Only Cid's own row and the super-entity rows made with it are new.
        assert len(extra) == (1 if table in ("pr_person", "pr_pentity", "sit_trackable") else 0), (
            table,
            extra,
        )


def test_revert_records_a_new_modified_on(dbs):
    # A revert is a new change: restoring the older modified_on would hide the restored
    # values from the next export to peers.
    from datetime import UTC, datetime

    from test_commit import stamp

    pair = _people(dbs)
    report = pair.commit(policy=ALL_METHODS)
    committed = {u: stamp(r["modified_on"]) for u, r in pair.rows("person").items()}
    started = datetime.now(UTC).replace(microsecond=0)
    revert_commit(pair.this, report.journal_id)
    people = pair.rows("person")
    for n in (1, 2, 3):  # updated, deleted, created: all get a time not before the revert
        uuid = f"urn:uuid:{uid(n)}"
        assert stamp(people[uuid]["modified_on"]) >= started, uuid
        assert stamp(people[uuid]["modified_on"]) > committed[uuid], uuid
    assert people[f"urn:uuid:{uid(1)}"]["name"] == "Ann"
