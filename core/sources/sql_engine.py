"""Engines for THIS and OTHER databases, and how their read failures are named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from core.sources.errors import SourceError


def make_engine(target: str | Path, *, readonly: bool = False) -> Engine:
    """An engine for a SQLAlchemy URL or a SQLite file path (which must exist)."""
    text = str(target)
    if "://" in text:
        try:
            engine = sa.create_engine(text)
        except (ArgumentError, ImportError, SQLAlchemyError) as exc:
            raise SourceError(f"{text}: not a usable database URL ({exc})") from None
        if engine.dialect.name == "sqlite":
            _take_sqlite_transactions(engine)
        return engine
    path = Path(text)
    if not path.is_file():
        raise SourceError(f"{path}: no such database file")
    mode = "ro" if readonly else "rw"
    engine = sa.create_engine(f"sqlite:///file:{path.resolve()}?mode={mode}&uri=true")
    _take_sqlite_transactions(engine, writer=not readonly)
    return engine


def _take_sqlite_transactions(engine: Engine, writer: bool = True) -> None:
    """Let SQLAlchemy, not pysqlite, begin transactions, so SAVEPOINTs (the dry run's
    per-vector error capture) and DDL (the journal table) are transactional."""

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        if writer:
            # A bigger page cache for the writer: PERF-NOTES measured ~1.5x commit speed.
            # Not for a read-only file (OTHER): its reads would only fill it (~20 MB of
            # a 100k plan's peak).
            dbapi_connection.execute("PRAGMA cache_size = -65536")

    @sa.event.listens_for(engine, "begin")
    def _begin(connection: sa.Connection) -> None:
        # A writer asks for the write lock up front, so nothing changes between its
        # stale check and its writes (and it never meets SQLITE_BUSY half-way).
        immediate = connection.get_execution_options().get("truce_write_lock", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


_DAMAGE = ("malformed", "not a database", "corrupt", "decode", "unsupported file format")


def cannot_read(exc: Exception) -> str:
    """How a read failed: "damaged database" when SQLite says the file is corrupt."""
    text = str(exc).lower()
    if any(sign in text for sign in _DAMAGE):
        return "damaged database: cannot read"
    return "cannot read"


def short_error(exc: Exception) -> str:
    """The first line of a database error (drivers append the statement and more)."""
    return str(exc).splitlines()[0]
