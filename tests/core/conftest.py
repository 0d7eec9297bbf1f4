"""Fixtures of the core tests: every scenario runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from builders import Databases


# The mark sits on the parameter, so it is applied at collection: `-m pg` selects every
# PostgreSQL case and `-m "not pg"` leaves them all out.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def engine_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def dbs(engine_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Databases]:
    """Database maker of the parametrized engine kind (PostgreSQL: a fresh database each)."""
    new_pg = request.getfixturevalue("pg_database_factory") if engine_kind == "postgresql" else None
    databases = Databases(engine_kind, tmp_path, new_pg)
    yield databases
    databases.close()


@pytest.fixture
def sqlite_dbs(tmp_path: Path) -> Iterator[Databases]:
    """Database maker for SQLite-only tests (property tests, SQLite-specific storage)."""
    databases = Databases("sqlite", tmp_path, None)
    yield databases
    databases.close()
