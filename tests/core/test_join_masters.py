"""The SQLite join reads its candidates' masters from TEMP copies of the rows their links
name (core/join_rows.py), and a vector holds a value both sides share once: the rows
read and the plans built must be the ones the join on the master itself gives."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_plan_paths import _eden_database, assert_same_plan, both_paths, joinable

from core import values
from core.compare_sqlite import SqliteJoin
from core.join_rows import JoinRows
from core.sources.errors import SourceError
from core.sources.sql import SqlDataset
from core.values import held_once

_SEEDED = "01-seeded-pr_person-addr_contact.xml"
_MUTATED = "02-mutated-pr_person-addr_contact-deleted.xml"


@pytest.fixture
def eden(tmp_path: Path) -> Any:
    this = _eden_database(tmp_path / "this.db", _SEEDED)
    other = _eden_database(tmp_path / "other.db", _MUTATED)
    yield this, other, tmp_path
    this.close()
    other.close()


def _raw(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as conn:
        for statement in statements:
            conn.execute(statement)


def _read(this: SqlDataset, other: SqlDataset, resource: str, copies: bool) -> list[Any]:
    """Every row of `resource` on both sides as the candidates' read gives it (all keys),
    with the masters copied to TEMP tables or joined as they are."""
    join = SqliteJoin.open(this, other)
    assert join is not None
    with join:
        rows = JoinRows(join.conn, this.schema)
        if not copies:
            rows._master_tables = lambda *args: {}  # type: ignore[method-assign]
        keys = [(1, 1)]
        rows._fill(keys)
        found = []
        for side, schema, key in ((other, "truce_other", "other_key"), (this, "main", "this_key")):
            conn_keys = [k for (k,) in join.conn.execute(f'SELECT id FROM {schema}."{resource}"')]
            join.conn.execute("DELETE FROM temp.truce_keys")
            join.conn.executemany(
                f"INSERT INTO temp.truce_keys ({key}) VALUES (?)", [(k,) for k in conn_keys]
            )
            found.append([(at, row[1]) for at, row in rows._rows(side, schema, resource, key)])
            tables = [t for (t,) in join.conn.execute("SELECT name FROM temp.sqlite_master")]
            assert any(t.startswith("truce_master_") for t in tables) is copies
        rows._drop()
        return found


@pytest.mark.parametrize("resource", ["pr_address", "pr_contact"])
def test_masters_copied_read_the_rows_the_join_reads(eden: Any, resource: str) -> None:
    this, other, tmp_path = eden
    # Two masters sharing a link value (the join then gives a component row twice), a
    # master key stored as text in an integer column's place, and links to no master.
    for target in (tmp_path / "this.db", tmp_path / "other.db"):
        _raw(
            target,
            "UPDATE pr_person SET pe_id = (SELECT min(pe_id) FROM pr_person) "
            "WHERE id = (SELECT max(id) FROM pr_person)",
            f"UPDATE {resource} SET pe_id = 999999 WHERE id = (SELECT min(id) FROM {resource})",
            f"UPDATE {resource} SET pe_id = NULL WHERE id = (SELECT max(id) FROM {resource})",
        )
    copied, joined = _read(this, other, resource, True), _read(this, other, resource, False)
    assert copied == joined
    assert all(side for side in joined)


def test_a_collated_master_is_joined_as_it_is(eden: Any) -> None:
    this, other, tmp_path = eden
    for target in (tmp_path / "this.db", tmp_path / "other.db"):
        with sqlite3.connect(target) as conn:
            sql = conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'org_organisation'"
            ).fetchone()[0]
            conn.execute("PRAGMA writable_schema = ON")
            conn.execute(
                "UPDATE sqlite_master SET sql = ? WHERE name = 'org_organisation'",
                (sql.replace('"pe_id" INTEGER', '"pe_id" INTEGER COLLATE NOCASE', 1),),
            )
    fresh_this = SqlDataset(tmp_path / "this.db", this.mapping)
    fresh_other = SqlDataset(tmp_path / "other.db", other.mapping)
    try:
        join = SqliteJoin.open(fresh_this, fresh_other)
        assert join is not None
        with join:
            rows = JoinRows(join.conn, fresh_this.schema)
            rows._fill([(1, 1)])
            masters = rows._master_tables(fresh_other, "truce_other", "pr_address", "other_key")
            rows._drop()
        assert ("pr_person", "pe_id") in masters and ("org_organisation", "pe_id") not in masters
        fast, oracle = both_paths(fresh_this, fresh_other)
        assert_same_plan(fast, oracle)
    finally:
        fresh_this.close()
        fresh_other.close()


def test_eden_pair_with_shared_and_missing_masters_agrees(eden: Any) -> None:
    this, other, tmp_path = eden
    _raw(
        tmp_path / "other.db",
        "UPDATE pr_address SET comments = 'moved' WHERE id = (SELECT min(id) FROM pr_address)",
        "UPDATE pr_address SET pe_id = 999999 WHERE id = (SELECT max(id) FROM pr_address)",
    )
    assert joinable(this, other) >= {"pr_address", "pr_contact"}
    fast, oracle = both_paths(this, other)
    assert_same_plan(fast, oracle)


# ----- values held once
def test_a_vector_holds_a_value_both_sides_share_once(eden: Any) -> None:
    this, other, tmp_path = eden
    _raw(
        tmp_path / "other.db",
        "UPDATE pr_person SET comments = 'changed', modified_on = '2030-01-01 00:00:00'",
    )
    for fast in both_paths(this, other):
        vector = next(v for v in fast.vectors if v.resource == "pr_person" and v.this_values)
        shared = [
            n
            for n, value in vector.other_values.items()
            if isinstance(value, str) and n not in vector.differing
        ]
        assert shared
        for name in shared:
            assert vector.this_values[name] is vector.other_values[name], name


def test_only_values_the_same_in_every_respect_are_held_once() -> None:
    text = "".join(["na", "me"])
    assert held_once(text, "name") == "name" and held_once(text, "name") is not text
    when = datetime(2024, 1, 1, tzinfo=UTC)
    assert held_once(when, datetime(2024, 1, 1, tzinfo=UTC)) is not when
    other_zone = datetime(2024, 1, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert held_once(when, other_zone) is when  # the same instant, another zone
    assert held_once(when.replace(fold=1), when).fold == 1
    assert held_once(0.0, -0.0) == 0.0 and str(held_once(0.0, -0.0)) == "0.0"
    assert str(held_once(Decimal("1.0"), Decimal("1.00"))) == "1.0"
    assert held_once(1, True) is 1  # noqa: F632 (the type decides, not equality)
    assert type(held_once(date(2024, 1, 1), when)) is date


# ----- timestamps parsed once per text
def test_a_timestamp_text_seen_again_is_the_same_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "_PARSED", {})
    monkeypatch.setattr(values, "_PARSED_MAX", 2)
    first = values.to_datetime("2024-01-01 10:00:00")
    assert values.to_datetime("2024-01-01 10:00:00") is first
    assert first == datetime(2024, 1, 1, 10, tzinfo=UTC)
    assert values.to_datetime(" 2024-01-01T11:00:00+01:00 ") == first  # parsed, not looked up
    for _ in range(2):  # a bad text is refused every time, never remembered
        with pytest.raises(ValueError, match="not an ISO 8601 timestamp"):
            values.to_datetime("last tuesday")
    values.to_datetime("2024-01-02 10:00:00")  # full: the texts seen before are forgotten
    assert len(values._PARSED) <= 2
    assert values.to_datetime("2024-01-01 10:00:00") == first


# ----- booleans: the usual spellings looked up as stored
def _boolean_slowly(value: str) -> bool | None:
    text = value.strip().lower()
    return True if text in values._TRUE else False if text in values._FALSE else None


@pytest.mark.parametrize(
    "text",
    [
        "T",
        "F",
        "t",
        "f",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "1",
        "0",
        "yes",
        "YES",
        "Yes",
        "y",
        "Y",
        "on",
        "ON",
        "Off",
        "no",
        "N",
        " T",
        "F ",
        "",
        "maybe",
        "2",
        "TT",
        "Ja",
    ],
)
def test_a_boolean_text_types_as_its_stripped_lower_case_spelling(text: str) -> None:
    expected = _boolean_slowly(text)
    if expected is None:
        with pytest.raises(ValueError, match="not a boolean"):
            values.to_boolean(text)
    else:
        assert values.to_boolean(text) is expected
    assert all(_boolean_slowly(spelled) is truth for spelled, truth in values._BOOLEAN_TEXT.items())


# ----- a row gone while the candidates are read
def test_a_row_gone_mid_read_is_that_error_and_leaves_no_temp_table(eden: Any) -> None:
    # THIS's row is missing while OTHER's read has rows to go: its statement was still
    # running when the read gave up, which made dropping the TEMP tables fail ("database
    # table is locked") and hid the error that says what happened.
    this, other, _tmp_path = eden
    join = SqliteJoin.open(this, other)
    assert join is not None
    with join:
        ids = [
            [key for (key,) in join.conn.execute(f"SELECT id FROM {schema}.pr_address LIMIT 3")]
            for schema in ("truce_other", "main")
        ]
        keys = [(ids[0][0], ids[1][0]), (ids[0][1], -1), (ids[0][2], ids[1][2])]
        with pytest.raises(SourceError, match="removed while the plan read it"):
            list(join.rows(this.schema).pairs("pr_address", keys))
        assert join.conn.execute("SELECT name FROM temp.sqlite_master").fetchall() == []
