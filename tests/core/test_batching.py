from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from core.batching import Prepared, chunks


def test_chunks_cover_every_item_in_order_without_empty_batches() -> None:
    assert list(chunks(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(chunks(range(6), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert list(chunks([], 3)) == []


def test_chunks_consume_a_generator_lazily() -> None:
    seen: list[int] = []

    def numbers():
        for n in range(10):
            seen.append(n)
            yield n

    first = next(chunks(numbers(), 4))
    assert first == [0, 1, 2, 3]
    assert seen == [0, 1, 2, 3]


def test_chunks_refuse_a_size_below_one() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        list(chunks([1], 0))


@pytest.mark.parametrize("dialect", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_prepared_sends_every_row_by_bind_name_even_for_odd_column_names(
    request: pytest.FixtureRequest, tmp_path: Path, dialect: str
) -> None:
    # Positional drivers take the compiled order; named ones the escaped names
    # (a space, a percent sign and parentheses each get one on PostgreSQL).
    if dialect == "sqlite":
        url = f"sqlite:///{tmp_path / 'p.db'}"
    else:
        url = request.getfixturevalue("pg_database_factory")()
    engine = sa.create_engine(url)
    names = ["a b", "x%y", "p(q)"]
    table = sa.table("t", sa.column("id"), *(sa.column(n) for n in names))
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    'CREATE TABLE t (id INTEGER PRIMARY KEY, "a b" TEXT, "x%y" TEXT, "p(q)" TEXT)'
                )
            )
            conn.execute(sa.insert(table), [{"id": n, **dict.fromkeys(names)} for n in (1, 2)])
            stmt = (
                sa.update(table)
                .where(table.c.id == sa.bindparam("truce_key"))
                .values({n: sa.bindparam(n) for n in names})
            )
            rows = [
                {"truce_key": k, "p(q)": f"p{k}", "a b": f"a{k}", "x%y": f"x{k}"} for k in (2, 1)
            ]
            Prepared(conn, stmt).send(conn, rows)
            found = conn.execute(sa.select(table).order_by(table.c.id)).all()
        assert [tuple(r) for r in found] == [(1, "a1", "x1", "p1"), (2, "a2", "x2", "p2")]
    finally:
        engine.dispose()
