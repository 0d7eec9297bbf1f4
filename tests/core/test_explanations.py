"""Errors in plain words: what happened, what to do, and the SQL only in the details."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.explanations import explain
from core.staleness import StaleError


def test_a_locked_database_says_so_and_offers_retry(tmp_path: Path):
    path = tmp_path / "locked.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    engine = sa.create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.05})
    try:
        with pytest.raises(sa.exc.OperationalError) as caught, engine.begin() as conn:
            conn.execute(sa.text("INSERT INTO t VALUES (1)"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
    explained = explain(caught.value)
    assert explained.sentence == "THIS is locked by another program that is writing to it"
    assert explained.retry and "Retry" in explained.advice
    assert "INSERT INTO t" not in explained.sentence and "INSERT INTO t" in explained.details


def test_a_changed_this_names_the_records_and_says_reload():
    explained = explain(
        StaleError([f"pr_person urn:uuid:{n} was changed in THIS" for n in range(5)])
    )
    assert explained.sentence.startswith("THIS has changed since it was loaded (pr_person")
    assert "and 2 more" in explained.sentence and "Reload (F5)" in explained.advice
    assert not explained.retry


def test_an_unknown_error_is_plain_and_points_to_the_log():
    explained = explain(KeyError("x"))
    assert explained.sentence.startswith("Something unexpected went wrong (KeyError")
    assert "logged" in explained.advice
