"""Kill during commit: a forked child commits a few hundred vectors and is SIGKILLed at a
random moment spread uniformly over the whole commit (calibrated by one timed run). THIS
must then be exactly the before or the after state, with the journal entry present iff
the data is, and the database intact. SQLite in rollback-journal and WAL modes; on
PostgreSQL the client is killed, or the server process serving the commit is terminated.

Kill moments come from a seeded RNG: a failure prints the seed; rerun it with
TRUCE_KILL_SEED=<seed>. Figures: docs/reliability.md.
"""

from __future__ import annotations

import hashlib
import os
import random
import select
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from builders import Databases, at, uid

from core.commit import commit_plan
from core.plan import Plan
from core.sources.sql import SqlDataset

SEED = int(os.environ.get("TRUCE_KILL_SEED", "1"))
SQLITE_KILLS = 200
PG_KILLS = 25  # each for the client and for the server process
_DATA = ("location", "person", "address")


def _person(n: int, name: str, hours: float, **values: Any) -> dict[str, Any]:
    return {"uuid": uid(n), "name": name, "modified_on": at(hours), "deleted": False, **values}


def _datasets() -> tuple[dict[str, Any], dict[str, Any]]:
    """~300 writes: updates, deletes, new persons with new addresses, a reference cycle."""
    this = {"person": [_person(n, f"P{n}", 0, age=n) for n in range(1, 121)]}
    other = {
        "location": [
            {"uuid": uid(9001), "name": "North", "parent": uid(9002), "modified_on": at(1)},
            {"uuid": uid(9002), "name": "South", "parent": uid(9001), "modified_on": at(1)},
        ],
        "person": [
            *(_person(n, f"P{n}-renamed", 1, age=n + 1) for n in range(1, 101)),
            *(_person(n, f"P{n}", 1, age=n, deleted=True) for n in range(101, 121)),
            *(_person(n, f"New{n}", 1, location_id=uid(9001)) for n in range(1000, 1090)),
        ],
        "address": [
            {"uuid": uid(5000 + n), "person_id": uid(n), "street": f"S{n}", "modified_on": at(1)}
            for n in range(1000, 1090)
        ],
    }
    return this, other


def _all_methods(vector: Any) -> None:
    vector.strategy = ["create", "update", "delete"]
    vector.resolution = "other"


@dataclass
class _Tally:
    kills: int = 0
    states: dict[str, int] = field(default_factory=lambda: {"before": 0, "after": 0})


def _fingerprint(conn: Any, execute: Callable[[Any, str], list[tuple]]) -> str:
    digest = hashlib.sha256()
    for table in _DATA:
        for row in sorted(execute(conn, f"SELECT * FROM {table}"), key=repr):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _journal_rows(conn: Any, execute: Callable[[Any, str], list[tuple]]) -> int:
    try:
        return len(execute(conn, "SELECT id FROM truce_journal"))
    except Exception:  # no journal table yet: the commit never happened
        return 0


def _sqlite_rows(conn: sqlite3.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def _sqlite_state(path: Path) -> tuple[str, int]:
    """(data fingerprint, journal entries), after checking the file is intact."""
    conn = sqlite3.connect(path)  # opening rolls a hot journal back / recovers the WAL
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], SEED
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], SEED
        return _fingerprint(conn, _sqlite_rows), _journal_rows(conn, _sqlite_rows)
    finally:
        conn.close()


@contextmanager
def _child(work: Callable[[Callable[[str], None]], None]) -> Iterator[tuple[int, int]]:
    """Fork a child running `work(report)`; yields (pid, fd its reports arrive on)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        status = 0
        try:
            os.close(read)
            work(lambda text: os.write(write, text.encode() + b"\n"))
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write)
    try:
        yield pid, read
    finally:
        os.close(read)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def _read_line(fd: int, timeout: float = 60.0) -> str:
    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        assert ready, f"child silent for {timeout} s (seed {SEED})"
        chunk = os.read(fd, 1)
        assert chunk, f"child ended early (seed {SEED})"
        data += chunk
    return data.decode().strip()


def _commit_in_child(
    plan: Plan, this: SqlDataset, on_open: Callable[[Callable[[str], None]], None] | None = None
) -> Callable[[Callable[[str], None]], None]:
    """The child's work: commit `plan` into `this` (its engine holds no connection)."""

    def work(report: Callable[[str], None]) -> None:
        if on_open is not None:
            on_open(report)
        report("ready")
        commit_plan(plan, this)
        report("done")
        signal.pause()  # committed: wait to be killed (the kill may land after the end)

    this.engine.dispose()  # never share a parent's connection with the child
    return work


def _calibrate(plan: Plan, this: SqlDataset, restore: Callable[[], None]) -> float:
    """Seconds from the child's "ready" to its "done": the span kills are spread over."""
    spans = []
    for _ in range(3):
        with _child(_commit_in_child(plan, this)) as (_, fd):
            assert _read_line(fd) == "ready"
            start = time.perf_counter()
            assert _read_line(fd) == "done"
            spans.append(time.perf_counter() - start)
        restore()
    return sorted(spans)[1]


def _delays(rng: random.Random, span: float, count: int, tally: _Tally) -> Iterator[float]:
    """`count` kill delays spread over the calibrated span and a little past it, then, if
    either end state was never seen (a loaded machine can stretch the commit well past
    its calibration), kills at the start and at doubling delays until it has been: the
    test must see both ends to show its kills covered the whole commit."""
    for _ in range(count):
        yield rng.uniform(0, span * 1.25)  # a little past the end: the after state too
    if not tally.states["before"]:
        yield 0.0
    for doubling in range(1, 7):
        if tally.states["after"]:
            return
        yield span * 2**doubling


def _kill_after(fd: int, pid: int, delay: float) -> None:
    """Kill the child `delay` seconds after its "ready" (waiting on its pipe, not asleep)."""
    assert _read_line(fd) == "ready"
    select.select([], [], [], delay)  # the random offset: a deadline to act at
    os.kill(pid, signal.SIGKILL)


def _warm(plan: Plan, this: SqlDataset) -> None:
    """A dry run in the parent: every child inherits compiled statements, so the span is
    the commit's own work, not first-use costs."""
    commit_plan(plan, this, dry_run=True)


@pytest.mark.parametrize("journal_mode", ["delete", "wal"])
def test_sqlite_kill_during_commit(tmp_path: Path, journal_mode: str) -> None:
    dbs = Databases("sqlite", tmp_path, None)
    this_rows, other_rows = _datasets()
    pair = dbs.pair(this_rows, other_rows)
    work_path = Path(pair.this_target)
    with sqlite3.connect(work_path) as conn:
        conn.execute(f"PRAGMA journal_mode = {journal_mode}")
    plan = pair.plan(_all_methods)
    assert len(plan.writes) >= 300
    this = pair.this
    _warm(plan, this)
    this.engine.dispose()
    pristine = tmp_path / "pristine.sqlite"
    shutil.copy(work_path, pristine)

    def restore() -> None:
        for suffix in ("-journal", "-wal", "-shm"):
            Path(f"{work_path}{suffix}").unlink(missing_ok=True)
        shutil.copy(pristine, work_path)

    before = _sqlite_state(work_path)
    with _child(_commit_in_child(plan, this)) as (_, fd):
        assert _read_line(fd) == "ready" and _read_line(fd) == "done"
    after = _sqlite_state(work_path)
    assert before[1] == 0 and after[1] == 1 and before[0] != after[0]
    restore()
    span = _calibrate(plan, this, restore)
    rng = random.Random(SEED)
    tally = _Tally()
    for delay in _delays(rng, span, SQLITE_KILLS, tally):
        with _child(_commit_in_child(plan, this)) as (pid, fd):
            _kill_after(fd, pid, delay)
            tally.kills += 1
        state = _sqlite_state(work_path)
        assert state in (before, after), f"partial state, kill at {delay:.4f} s (seed {SEED})"
        tally.states["before" if state == before else "after"] += 1
        restore()
    assert tally.kills >= 200
    assert tally.states["before"] and tally.states["after"], (tally, SEED)
    print(f"sqlite {journal_mode}: {tally.kills} kills over {span * 1000:.0f} ms, {tally.states}")
    dbs.close()


def _pg_rows(conn: sa.Connection, sql: str) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.text(sql))]


def _pg_state(url: str) -> tuple[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return _fingerprint(conn, _pg_rows), _journal_rows(conn, _pg_rows)
    finally:
        engine.dispose()


@pytest.mark.pg
@pytest.mark.parametrize("victim", ["client", "server"])
def test_pg_kill_during_commit(
    tmp_path: Path, pg_database_factory: Callable[[], str], victim: str
) -> None:
    dbs = Databases("postgresql", tmp_path, pg_database_factory)
    this_rows, other_rows = _datasets()
    pair = dbs.pair(this_rows, other_rows)
    plan = pair.plan(_all_methods)
    this = pair.this
    _warm(plan, this)
    this.engine.dispose()
    url = sa.make_url(pair.this_target)
    name, pristine = url.database, f"{url.database}_pristine"
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def sql(statement: str, **params: Any) -> Any:
        with admin.connect() as conn:
            return conn.execute(sa.text(statement), params)

    def restore() -> None:
        this.engine.dispose()
        sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        sql(f'CREATE DATABASE "{name}" TEMPLATE "{pristine}"')

    sql(f'CREATE DATABASE "{pristine}" TEMPLATE "{name}"')
    try:
        before = _pg_state(pair.this_target)
        with _child(_commit_in_child(plan, this)) as (_, fd):
            assert _read_line(fd) == "ready" and _read_line(fd) == "done"
        after = _pg_state(pair.this_target)
        assert before[1] == 0 and after[1] == 1 and before[0] != after[0]
        restore()
        span = _calibrate(plan, this, restore)

        def tell_pid(report: Callable[[str], None]) -> None:
            def connected(dbapi_connection: Any, _record: Any) -> None:
                report(f"pid {dbapi_connection.info.backend_pid}")

            sa.event.listen(this.engine, "connect", connected)

        rng = random.Random(SEED)
        tally = _Tally()
        for delay in _delays(rng, span, PG_KILLS, tally):
            with _child(_commit_in_child(plan, this, tell_pid)) as (pid, fd):
                if victim == "client":
                    _kill_after(fd, pid, delay)
                else:
                    assert _read_line(fd) == "ready"
                    started = time.perf_counter()
                    backend = int(_read_line(fd).split()[1])
                    select.select([], [], [], max(0.0, delay - (time.perf_counter() - started)))
                    sql("SELECT pg_terminate_backend(:p)", p=backend)
                tally.kills += 1
            state = _pg_state(pair.this_target)
            assert state in (before, after), f"partial state, kill at {delay:.4f} s (seed {SEED})"
            tally.states["before" if state == before else "after"] += 1
            restore()
        assert tally.states["before"] and tally.states["after"], (tally, SEED)
        print(f"pg {victim}: {tally.kills} kills over {span * 1000:.0f} ms, {tally.states}")
    finally:
        this.engine.dispose()
        sql(f'DROP DATABASE IF EXISTS "{pristine}" WITH (FORCE)')
        admin.dispose()
        dbs.close()
