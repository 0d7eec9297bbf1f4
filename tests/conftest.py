"""Shared fixtures: offscreen Qt, PostgreSQL databases, the bundled sample datasets."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = REPO_ROOT / "resources" / "samples"
PG_URL_VAR = "TRUCE_TEST_PG_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that asks for PostgreSQL must carry the `pg` mark where it is defined
    (module, class, function or parameter), so `-m pg` selects every PostgreSQL test."""
    unmarked = [
        item.nodeid
        for item in items
        if "pg_url" in getattr(item, "fixturenames", ()) and item.get_closest_marker("pg") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "tests using PostgreSQL without @pytest.mark.pg: " + ", ".join(unmarked)
        )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failed run: every check must actually run there."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if _in_ci() and skipped and exitstatus == pytest.ExitCode.OK:
        reporter.write_line(f"CI: {len(skipped)} test(s) skipped; every check must run in CI")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of the test PostgreSQL database; skipped locally, fatal in CI, when absent."""
    url = os.environ.get(PG_URL_VAR)
    if not url:
        message = f"{PG_URL_VAR} is not set (run the tests through scripts/run-tests.sh)"
        if _in_ci():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return url


@pytest.fixture
def pg_database_factory(pg_url: str) -> Iterator[Callable[[], str]]:
    """A function returning the URL of a new, empty PostgreSQL database on each call;
    every database it made is dropped after the test."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def new_database() -> str:
        name = f"truce_t_{uuid.uuid4().hex[:16]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        made.append(name)
        return make_url(pg_url).set(database=name).render_as_string(hide_password=False)

    try:
        yield new_database
        with admin.connect() as conn:
            for name in made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def fresh_pg_url(pg_database_factory: Callable[[], str]) -> str:
    """URL of a new, empty PostgreSQL database, dropped after the test."""
    return pg_database_factory()


@pytest.fixture
def sample_paths() -> dict[str, Path]:
    """Paths of the bundled sample datasets: THIS (local) and OTHER (incoming)."""
    return {
        "local": SAMPLES_DIR / "local.db",
        "incoming": SAMPLES_DIR / "incoming.db",
    }
