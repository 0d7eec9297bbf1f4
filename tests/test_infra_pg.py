"""The test infrastructure itself: the throwaway PostgreSQL server is reachable."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text


@pytest.mark.pg
def test_pg_select_one(pg_url: str) -> None:
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("select 1")).scalar_one() == 1
    finally:
        engine.dispose()


@pytest.mark.pg
def test_fresh_pg_database_is_empty_and_writable(fresh_pg_url: str) -> None:
    engine = create_engine(fresh_pg_url)
    try:
        assert inspect(engine).get_table_names() == []
        with engine.begin() as conn:
            conn.execute(text("create table t (x integer)"))
            conn.execute(text("insert into t values (1)"))
        with engine.connect() as conn:
            assert conn.execute(text("select count(*) from t")).scalar_one() == 1
    finally:
        engine.dispose()
