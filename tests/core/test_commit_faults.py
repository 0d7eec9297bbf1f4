"""All or nothing under faults: the k-th statement of a commit fails (k = 1…N, once
transiently, once for good), or the disk fills up. Every case must end in the before-state
with a clear error, the database writable and unlocked afterwards, and no journal entry;
a dry run on a full disk must leave nothing either. Figures: docs/reliability.md."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from builders import Databases, Pair, at, uid, urn

from core.commit import CommitError, CommitFailed, commit_plan
from core.plan import Plan


def _person(n: int, name: str, hours: float = 0, **values: Any) -> dict[str, Any]:
    return {"uuid": uid(n), "name": name, "modified_on": at(hours), "deleted": False, **values}


def _busy_pair(dbs: Databases) -> Pair:
    """A commit with every kind of write: creates (a reference cycle among them, new
    components under new masters), updates, deletes."""
    this = {
        "location": [{"uuid": uid(900), "name": "Root", "modified_on": at(0)}],
        "person": [_person(n, f"P{n}") for n in range(1, 5)],
    }
    other = {
        "location": [
            {"uuid": uid(900), "name": "Root", "modified_on": at(0)},
            {"uuid": uid(901), "name": "North", "parent": uid(902), "modified_on": at(1)},
            {"uuid": uid(902), "name": "South", "parent": uid(901), "modified_on": at(1)},
        ],
        "person": [
            *(_person(n, f"P{n}-new", 1, location_id=uid(901)) for n in range(1, 3)),
            *(_person(n, f"P{n}", 1, deleted=True) for n in range(3, 5)),
            *(_person(n, f"New{n}", 1, location_id=uid(902)) for n in range(20, 23)),
        ],
        "address": [
            {"uuid": uid(100 + n), "person_id": uid(n), "street": f"S{n}", "modified_on": at(1)}
            for n in range(20, 23)
        ],
    }
    return dbs.pair(this, other)


def _plan(pair: Pair) -> Plan:
    return pair.plan(
        lambda v: (
            setattr(v, "strategy", ["create", "update", "delete"])
            or setattr(v, "resolution", "other")
        )
    )


@contextmanager
def _failing(engine: sa.Engine, fail: Any) -> Iterator[list[str]]:
    """Counts the statements sent; `fail(n)` True makes the n-th (from 1) raise."""
    sent: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "sqlite_temp_master" in statement:
            return  # SQLAlchemy's reflection tries this and copes with its failure itself
        sent.append(statement)
        if fail(len(sent)):
            raise conn.dialect.loaded_dbapi.OperationalError(f"injected fault #{len(sent)}")

    sa.event.listen(engine, "before_cursor_execute", before)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", before)


def _assert_clean(pair: Pair, before: dict[str, Any]) -> None:
    """Before-state, no journal entry, no lock left, and the database still writable."""
    assert pair.snapshot() == before
    with pair.this.engine.connect() as conn, conn.begin():
        conn.execute(sa.text("UPDATE location SET name = name"))
    if pair.this.dialect == "sqlite":
        other = sqlite3.connect(pair.this_target, timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if anyone holds a lock
            other.rollback()
        finally:
            other.close()


@pytest.mark.parametrize("dry_run", [False, True], ids=["commit", "dry-run"])
def test_every_statement_failing_once_or_for_good_leaves_the_before_state(
    dbs: Databases, dry_run: bool
) -> None:
    # N is counted on an identical pair, committed for real (or dry-run) without faults.
    twin = _busy_pair(dbs)
    twin_plan = _plan(twin)
    with _failing(twin.this.engine, lambda n: False) as sent:
        expected = commit_plan(twin_plan, twin.this, dry_run=dry_run).counts
    statements = len(sent)
    assert statements >= 10 and expected == {"create": 8, "update": 2, "delete": 2}
    pair = _busy_pair(dbs)
    plan = _plan(pair)
    before = pair.snapshot()
    for persistent in (False, True):
        for k in range(1, statements + 1):
            fails = (lambda n, k=k: n >= k) if persistent else (lambda n, k=k: n == k)
            with _failing(pair.this.engine, fails), pytest.raises(CommitFailed) as raised:
                commit_plan(plan, pair.this, dry_run=dry_run)
            assert f"injected fault #{k}" in str(raised.value), (k, persistent)
            assert str(raised.value).startswith("commit failed, nothing written")
            _assert_clean(pair, before)
    assert commit_plan(plan, pair.this, dry_run=dry_run).counts == expected


def _fill_disk(pair: Pair, spare_pages: int) -> None:
    """Limit THIS to a few pages more than it holds: the next writes meet SQLITE_FULL."""
    with sqlite3.connect(pair.this_target) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]

    def limit(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute(f"PRAGMA max_page_count = {pages + spare_pages}")

    pair.this.engine.dispose()  # new connections only: each gets the limit
    sa.event.listen(pair.this.engine, "connect", limit)


def _many_people(sqlite_dbs: Databases, count: int) -> Pair:
    this = {"person": [_person(n, f"P{n}", street="x") for n in range(1, 3)]}
    other = {
        "person": [_person(n, f"P{n}-" + "x" * 200, 1) for n in range(1, 3)]
        + [_person(n, "Long name " + "y" * 300, 1) for n in range(10, 10 + count)]
    }
    del this["person"][0]["street"], this["person"][1]["street"]
    return sqlite_dbs.pair(this, other)


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("spare_pages", [2, 20, 60])
def test_disk_full_leaves_nothing_even_in_a_dry_run(
    sqlite_dbs: Databases, dry_run: bool, spare_pages: int
) -> None:
    pair = _many_people(sqlite_dbs, 400)
    plan = pair.plan("replace")
    before = pair.snapshot()
    _fill_disk(pair, spare_pages)
    with pytest.raises(CommitFailed, match="full"):
        commit_plan(plan, pair.this, dry_run=dry_run)
    _assert_clean(pair, before)


def test_disk_full_while_journalling_leaves_nothing(sqlite_dbs: Databases) -> None:
    pair = _many_people(sqlite_dbs, 40)
    plan = pair.plan("replace")
    before = pair.snapshot()
    # Room for the rows but not for the journal: find the smallest limit that still
    # fails, so the failure falls late in the commit.
    for spare in range(1, 400):
        _fill_disk(pair, spare)
        try:
            commit_plan(plan, pair.this, dry_run=True)
        except CommitFailed:
            continue
        break
    _fill_disk(pair, spare - 1)
    with pytest.raises(CommitFailed, match="full"):
        commit_plan(plan, pair.this)
    _assert_clean(pair, before)


def test_a_refused_record_is_named_and_nothing_written(dbs: Databases) -> None:
    pair = _busy_pair(dbs)
    with pair.this.engine.begin() as conn:  # THIS now refuses one of the new names
        conn.execute(sa.text("CREATE UNIQUE INDEX person_name ON person (name)"))
        conn.execute(sa.text("UPDATE person SET name = 'New22' WHERE name = 'P4'"))
    plan = _plan(pair)
    before = pair.snapshot()
    with pytest.raises(CommitError) as raised:
        commit_plan(plan, pair.this)
    assert not isinstance(raised.value, CommitFailed)
    named = [("person", urn(22), "name"), ("address", urn(122), "person_id")]
    assert [(p.resource, p.uuid, p.field) for p in raised.value.problems] == named
    _assert_clean(pair, before)
    report = commit_plan(plan, pair.this, dry_run=True)
    assert [(p.resource, p.uuid, p.field) for p in report.problems] == named
    _assert_clean(pair, before)
