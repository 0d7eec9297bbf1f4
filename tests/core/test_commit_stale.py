"""Staleness, every interleaving: load, an outside write, commit. The commit is refused
when a record it touches changed, not refused otherwise, and a writer running during the
commit never loses its update (docs/reliability.md)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from builders import Databases, Pair, at, shape, uid, urn

from core.commit import StaleError, commit_plan
from core.plan import Plan
from core.progress import Progress
from core.vocabulary import Action


def _person(n: int, name: str, hours: float = 0, **values: Any) -> dict[str, Any]:
    return {"uuid": uid(n), "name": name, "modified_on": at(hours), "deleted": False, **values}


def _execute(pair: Pair, sql: str, **params: Any) -> None:
    with pair.this.engine.begin() as conn:
        conn.execute(sa.text(sql), params)


def _other_wins(pair: Pair) -> Plan:
    return pair.plan(
        lambda v: (
            setattr(v, "strategy", ["create", "update", "delete"])
            or setattr(v, "resolution", "other")
        )
    )


CID = 0xABCDEF  # a uuid with hex letters, to spell in mixed case


def _world(dbs: Databases, **kwargs: Any) -> Pair:
    """THIS: Ann (age -1, an address, at location L1) and Bob. OTHER renames Ann and adds
    Cid, with an address of his own. L2 is in both and untouched."""
    locations = [
        {"uuid": uid(901), "name": "L1", "modified_on": at(0)},
        {"uuid": uid(902), "name": "L2", "modified_on": at(0)},
    ]
    this = {
        "location": locations,
        "person": [
            _person(1, "Ann", age=-1, location_id=uid(901), **kwargs),
            _person(2, "Bob", age=40),
        ],
        "address": [{"uuid": uid(11), "person_id": uid(1), "street": "A", "modified_on": at(0)}],
    }
    other = {
        "location": locations,
        "person": [
            _person(1, "Anne", 1, age=-1, location_id=uid(902), **kwargs),
            _person(2, "Bob", age=40),
            _person(CID, "Cid", 1, location_id=uid(902)),
        ],
        "address": [
            {"uuid": uid(11), "person_id": uid(1), "street": "A", "modified_on": at(0)},
            {"uuid": uid(13), "person_id": uid(CID), "street": "C", "modified_on": at(1)},
        ],
    }
    shaped = shape(extra={"person.score": sa.Float()}) if "score" in kwargs else shape()
    return dbs.pair(this, other, this_shape=shaped, other_shape=shaped)


# (outside write, is the commit refused?)
INTERLEAVINGS: dict[str, tuple[str, bool]] = {
    "touched record updated": ("UPDATE person SET age = 7 WHERE name = 'Ann'", True),
    "equal python hashes -1/-2": ("UPDATE person SET age = -2 WHERE name = 'Ann'", True),
    "touched record removed": ("DELETE FROM address; DELETE FROM person WHERE name = 'Ann'", True),
    "touched record marked deleted": (
        "UPDATE person SET deleted = :true WHERE name = 'Ann'",
        True,
    ),
    "untouched record updated": ("UPDATE person SET age = 41 WHERE name = 'Bob'", False),
    "component of a touched master changed": (
        "UPDATE address SET street = 'B' WHERE street = 'A'",
        False,
    ),
    "referenced record changed": ("UPDATE location SET name = 'L2b' WHERE name = 'L2'", False),
    "referenced record removed": (
        "UPDATE person SET location_id = NULL WHERE location_id = "
        "(SELECT id FROM location WHERE name = 'L2'); DELETE FROM location WHERE name = 'L2'",
        True,
    ),
    "old reference target removed": (
        "UPDATE person SET location_id = NULL WHERE name = 'Ann'; "
        "DELETE FROM location WHERE name = 'L1'",
        True,  # Ann's row itself changed (her reference)
    ),
    "nothing": ("", False),
}


@pytest.mark.parametrize("case", list(INTERLEAVINGS))
def test_outside_write_between_load_and_commit(dbs: Databases, case: str) -> None:
    sql, refused = INTERLEAVINGS[case]
    pair = _world(dbs)
    plan = _other_wins(pair)
    assert plan.get("person", urn(1)).action is Action.UPDATE
    for statement in filter(None, (s.strip() for s in sql.split(";"))):
        _execute(pair, statement, **({"true": True} if ":true" in statement else {}))
    before = pair.snapshot()
    if refused:
        with pytest.raises(StaleError):
            commit_plan(plan, pair.this)
        assert pair.snapshot() == before
    else:
        report = commit_plan(plan, pair.this)
        assert report.counts == {"create": 2, "update": 1}
        assert pair.rows("person")[urn(1)]["name"] == "Anne"


SPELLINGS = {
    "upper prefix": lambda u: "URN:UUID:" + u,
    "leading space": lambda u: " " + u,
    "trailing newline": lambda u: u + "\n",
    # Python's strip() (canonical_uuid) removes these too; SQL's default trim does not.
    "vertical tab": lambda u: "\x0b" + u,
    "no-break spaces": lambda u: "\u00a0" + u + "\u3000",
    "mixed-case hex": lambda u: "urn:uuid:" + u[:-3].upper() + u[-3:],
    "bare upper": lambda u: u.upper(),
    "as planned": lambda u: "urn:uuid:" + u,
}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_insert_of_the_same_identity_in_any_spelling_is_stale(
    dbs: Databases, spelling: str
) -> None:
    pair = _world(dbs)
    plan = _other_wins(pair)
    raw = SPELLINGS[spelling](uid(CID))
    _execute(pair, "INSERT INTO person (id, uuid, name) VALUES (77, :u, 'Cyd')", u=raw)
    before = pair.snapshot()
    with pytest.raises(StaleError, match="appeared in THIS"):
        commit_plan(plan, pair.this)
    assert pair.snapshot() == before


def test_many_creates_find_an_identity_in_another_spelling(sqlite_dbs: Databases) -> None:
    # More creates than one lookup batch: the check scans the uuid column instead.
    other = {"person": [_person(n, f"P{n}") for n in range(100, 700)]}
    pair = sqlite_dbs.pair({}, other)
    plan = pair.plan()
    _execute(pair, "INSERT INTO person (uuid, name) VALUES (:u, 'X')", u=" " + uid(650).upper())
    with pytest.raises(StaleError) as raised:
        commit_plan(plan, pair.this)
    assert raised.value.records == [f"person {urn(650)} appeared in THIS"]


def test_a_created_identity_that_is_not_a_uuid_is_found_as_stored(dbs: Databases) -> None:
    # Kept exactly, not folded: SQLite's lower() leaves "Ä" alone, Python's does not.
    pair = dbs.pair({}, {"person": [_person(1, "Ann") | {"uuid": "Ärger-7"}]})
    plan = pair.plan()
    _execute(pair, "INSERT INTO person (uuid, name) VALUES (:u, 'X')", u=" Ärger-7\t")
    with pytest.raises(StaleError) as raised:
        commit_plan(plan, pair.this)
    assert raised.value.records == ["person Ärger-7 appeared in THIS"]


def test_row_digest_sees_every_change_and_nan_equals_nan() -> None:
    # Python's hash() cannot tell -1 from -2, and hashes two NaN objects differently
    # (a row holding NaN read twice would look changed on every commit).
    from core.digest import row_digest

    assert row_digest((1, -1, "x")) != row_digest((1, -2, "x"))
    assert row_digest((float("nan"),)) == row_digest((float("-nan") * -1,))
    assert row_digest((1, None)) != row_digest((None, 1))
    assert row_digest(("1",)) != row_digest((1,))
    assert row_digest(({"a": 1, "b": 2},)) == row_digest(({"b": 2, "a": 1},))
    assert row_digest((memoryview(b"ab"),)) == row_digest((b"ab",))


def test_new_component_under_a_master_deleted_at_the_prompt_is_refused(dbs: Databases) -> None:
    pair = _world(dbs)
    plan = _other_wins(pair)
    plan.set_strategy(plan.get("person", urn(CID)), ["delete"])  # the operator's choice
    new_address = plan.get("address", urn(13))
    if plan.get("person", urn(CID)).action is not Action.DELETE:
        # Cid is new in THIS, so "delete" means he is not created: the address must not
        # be created either (it is blocked by the plan, not refused here).
        assert new_address.action is not Action.CREATE
        return
    before = pair.snapshot()
    with pytest.raises(StaleError, match="which this commit deletes"):
        commit_plan(plan, pair.this)
    assert pair.snapshot() == before


def test_new_component_under_an_existing_master_deleted_at_the_prompt(dbs: Databases) -> None:
    pair = dbs.pair(
        {"person": [_person(1, "Ann")]},
        {
            "person": [_person(1, "Ann", 1, deleted=True)],
            "address": [
                {"uuid": uid(12), "person_id": uid(1), "street": "New", "modified_on": at(1)}
            ],
        },
    )
    plan = _other_wins(pair)
    assert plan.get("person", urn(1)).action is Action.DELETE
    assert plan.get("address", urn(12)).action is Action.CREATE
    before = pair.snapshot()
    with pytest.raises(StaleError, match="which this commit deletes"):
        commit_plan(plan, pair.this)
    assert pair.snapshot() == before


class _Hook(Progress):
    """Runs `action` once, when the commit starts writing (after its stale check)."""

    def __init__(self, action: Callable[[], None]) -> None:
        super().__init__()
        self.action = action

    def set_total(self, total: int, stage: str = "") -> None:
        super().set_total(total, stage)
        if stage == "writing":
            self.action()


def _until(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` (each call a database query) until true; fail after 30 s."""
    deadline = time.monotonic() + 30
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"


@pytest.mark.pg
def test_pg_concurrent_writer_during_the_commit_never_loses_its_update(
    pg_database_factory: Callable[[], str],
) -> None:
    dbs = Databases("postgresql", None, pg_database_factory)  # type: ignore[arg-type]
    try:
        pair = _world(dbs)
        plan = _other_wins(pair)
        outside = sa.create_engine(pair.this_target)
        done = threading.Event()
        pids: list[int] = []

        def writer() -> None:
            with outside.begin() as conn:
                pids.append(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())
                conn.execute(
                    sa.text("UPDATE person SET name = 'Outside' WHERE uuid = :u"), {"u": uid(1)}
                )
            done.set()

        def blocked() -> bool:
            with outside.connect() as probe:
                waiting = probe.execute(
                    sa.text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :p"),
                    {"p": pids[0]},
                ).scalar()
            return waiting == "Lock" or done.is_set()

        thread = threading.Thread(target=writer)

        def interleave() -> None:  # the commit holds its locks: the writer must wait
            thread.start()
            _until(lambda: bool(pids) and blocked(), "the outside writer to block")
            assert not done.is_set(), "the outside writer was not blocked by the commit"

        report = commit_plan(plan, pair.this, progress=_Hook(interleave))
        thread.join()
        assert report.counts["update"] == 1
        assert pair.rows("person")[urn(1)]["name"] == "Outside"  # written after ours
        outside.dispose()
    finally:
        dbs.close()


def test_pg_or_sqlite_write_between_load_and_lock_is_refused(dbs: Databases) -> None:
    pair = _world(dbs)
    plan = _other_wins(pair)
    _execute(pair, "UPDATE person SET name = 'Outside' WHERE name = 'Ann'")
    with pytest.raises(StaleError):
        commit_plan(plan, pair.this)
    assert pair.rows("person")[urn(1)]["name"] == "Outside"


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_sqlite_concurrent_writer_during_the_commit_is_turned_away(
    sqlite_dbs: Databases, journal_mode: str
) -> None:
    pair = _world(sqlite_dbs)
    with sqlite3.connect(pair.this_target) as conn:
        conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    plan = _other_wins(pair)
    refused: list[str] = []

    def interleave() -> None:
        outside = sqlite3.connect(pair.this_target, timeout=0, isolation_level=None)
        try:
            outside.execute("UPDATE person SET name = 'Outside' WHERE name = 'Ann'")
        except sqlite3.OperationalError as exc:
            refused.append(str(exc))
        finally:
            outside.close()

    report = commit_plan(plan, pair.this, progress=_Hook(interleave))
    assert report.counts["update"] == 1
    assert refused and "locked" in refused[0]
    assert pair.rows("person")[urn(1)]["name"] == "Anne"
