"""Can THIS be written? Probed on open and before a commit, in plain words.

SQLite: the file must exist, and `BEGIN IMMEDIATE` plus a throwaway `CREATE TABLE`
(rolled back) must succeed within a short busy timeout. That one probe tells a missing
file, a read-only or immutable database (opened `?mode=ro`, `chattr +i`, a read-only
mount: SQLite opens those read-only and refuses the write) and another program holding
the write lock apart, without writing anything. PostgreSQL: a read-only transaction or
a standby. Other engines are assumed writable; the commit itself still checks.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from core.sources.sql import SqlDataset

PROBE_TIMEOUT_MS = 250


@dataclass(frozen=True, slots=True)
class Writability:
    writable: bool
    problem: str = ""  # "missing", "read-only", "locked", "unusable"
    sentence: str = ""  # plain words, e.g. "THIS is read-only"
    detail: str = ""  # the driver's own message


WRITABLE = Writability(True)


def probe_writable(this: SqlDataset) -> Writability:
    backend = this.engine.url.get_backend_name()
    if backend == "sqlite":
        return _probe_sqlite(this.engine)
    if backend == "postgresql":
        return _probe_postgresql(this.engine)
    return WRITABLE


def _probe_sqlite(engine: sa.Engine) -> Writability:
    database = (engine.url.database or "").removeprefix("file:")
    if database and database != ":memory:" and not Path(database).is_file():
        return Writability(
            False, "missing", f"THIS's file {database} is gone (moved or deleted)", database
        )
    try:
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None
            return _probe_sqlite_connection(raw)
    except SQLAlchemyError as exc:
        return Writability(False, "unusable", "THIS cannot be opened", str(exc))


def _probe_sqlite_connection(raw: sqlite3.Connection) -> Writability:
    (previous,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute(f"PRAGMA busy_timeout = {PROBE_TIMEOUT_MS}")
    try:
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.execute("CREATE TABLE truce_write_probe (x)")
        finally:
            raw.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return _sqlite_problem(exc)
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(previous)}")
    return WRITABLE


def _sqlite_problem(exc: sqlite3.Error) -> Writability:
    name = getattr(exc, "sqlite_errorname", "")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return Writability(
            False,
            "locked",
            "THIS is locked by another program that is writing to it",
            str(exc),
        )
    if name.startswith("SQLITE_READONLY"):
        return Writability(
            False,
            "read-only",
            "THIS is read-only (opened read-only, an immutable file, or a read-only folder)",
            str(exc),
        )
    return Writability(False, "unusable", "THIS cannot be written", str(exc))


def _probe_postgresql(engine: sa.Engine) -> Writability:
    try:
        with engine.connect() as conn:
            read_only = conn.exec_driver_sql("SHOW transaction_read_only").scalar()
            standby = conn.exec_driver_sql("SELECT pg_is_in_recovery()").scalar()
    except SQLAlchemyError as exc:
        return Writability(False, "unusable", "THIS cannot be reached", str(exc))
    if read_only == "on" or standby:
        return Writability(
            False, "read-only", "THIS is a read-only PostgreSQL database (or a standby)"
        )
    return WRITABLE
