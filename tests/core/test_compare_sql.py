"""The SQL predicates of the SQLite join are never laxer than the Python converters.

When SQL says "valid", the column's converter types the raw value without a problem;
when SQL says "equal", both raw values type to the same value. (SQL saying "differs" or
"invalid" when Python would not is allowed: Python then decides.)
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from itertools import product
from typing import Any

import pytest

from core import compare_sql as sql
from core.identity import canonical_uuid, stored_forms
from core.schema import Column, Kind
from core.values import converter

RAW: list[Any] = [
    None,
    0,
    1,
    2,
    -5,
    1.0,
    1.5,
    1.5000000000000002,
    -0.0,
    "",
    " ",
    "0",
    "1",
    "1.0",
    " 1",
    "T",
    "F",
    "t",
    "true",
    "False",
    "yes",
    "maybe",
    "abc",
    "Abc",
    b"abc",
    "[1]",
    '{"a": 1}',
    "1990-01-31",
    "1990-02-30",
    "0000-01-01",
    "2024-02-29",
    "2024-05-01 10:00:00",
    "2024-05-01T10:00:00",
    "2024-05-01 10:00:00.000",
    "2024-05-01 10:00:00.000000",
    "2024-05-01 10:00:00.000001",
    "2024-05-01 10:00:00.5",
    "2024-05-01 10:00:00Z",
    "2024-05-01 10:00:00+02:00",
    "2023-02-29 10:00:00",
    "2024-04-31 23:59:59",
    "2024-01-01 24:00:00",
    "9999-12-31 23:59:59.999999",
    "0001-01-01 00:00:00",
    " 2024-05-01 10:00:00",
    # What SQLite's date functions read, or write back unchanged, and Python does not.
    "-001-01-01 00:00:00",
    "-001-01-01",
    "0000-01-01 00:00:00",
    "2024-05-01t10:00:00",
    "2024-05-01 10:00:60",
    "2024-05-01 10:00:00.12",
    "2024-05-01 10:00:00,000",
    "2024-05-01 10:00:00.00a",
    "2024-05-01 10:00:00.0000000",
    "12024-05-01 10:00:00",
    "2024-05-01 10:00",
    "now",
    "2460000.5",
    2460000,
    "1990-1-31",
    "1990-01-31 ",
]
KINDS = [
    Column("c", Kind.STRING),
    Column("c", Kind.STRING, char_boolean=True),
    Column("c", Kind.INTEGER),
    Column("c", Kind.FLOAT),
    Column("c", Kind.DECIMAL),
    Column("c", Kind.BOOLEAN),
    Column("c", Kind.DATE),
    Column("c", Kind.DATETIME),
    Column("c", Kind.JSON),
    Column("c", Kind.OTHER),
]


def _typed(column: Column, value: Any) -> tuple[bool, Any]:
    try:
        return True, converter(column)(value)
    except (ValueError, TypeError, ArithmeticError):
        return False, None


@pytest.fixture(scope="module")
def conn() -> sqlite3.Connection:
    return sqlite3.connect(":memory:")


@pytest.mark.parametrize("column", KINDS, ids=lambda c: f"{c.kind}{'-char' * c.char_boolean}")
def test_valid_and_equal_are_never_laxer_than_python(
    conn: sqlite3.Connection, column: Column
) -> None:
    for a in RAW:
        (valid,) = conn.execute(f"SELECT {sql.valid(column, ':a')}", {"a": a}).fetchone()
        ok, typed = _typed(column, a)
        assert not valid or ok, (column, a)
        for b in RAW:
            query = f"SELECT {sql.equal(column, ':a', ':b')} AND {sql.valid(column, ':a')}"
            (equal,) = conn.execute(query, {"a": a, "b": b}).fetchone()
            if equal:
                ok_b, typed_b = _typed(column, b)
                assert ok and ok_b and repr(typed) == repr(typed_b), (column, a, b)


def test_timestamps_in_microseconds_are_exact(conn: sqlite3.Connection) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    convert = converter(Column("c", Kind.DATETIME))
    for value in RAW:
        query = (
            f"SELECT {sql.valid_datetime(':v')}, {sql.modified_micros(':v', None)}, "
            f"{sql.modified_micros(':v', ':v')}, {sql.modified_micros(':v', ':w')}"
        )
        valid, micros, same, other = conn.execute(query, {"v": value, "w": "x"}).fetchone()
        assert same == sql.SAME_AS_THIS and other == micros
        if valid:
            assert micros == (convert(value) - epoch) // timedelta(microseconds=1), value
        else:
            assert micros == sql.NO_TIME


def test_deleted_flags_are_sure_only_when_python_agrees(conn: sqlite3.Connection) -> None:
    convert = converter(Column("deleted", Kind.BOOLEAN))
    for value in RAW:
        query = f"SELECT {sql.surely_true(':v')}, {sql.surely_false(':v')}"
        true, false = conn.execute(query, {"v": value}).fetchone()
        ok, typed = _typed(Column("deleted", Kind.BOOLEAN), value)
        if true:
            assert ok and convert(value) is True, value
        if false:
            assert ok and not typed, value


UUIDS = [
    "urn:uuid:0a1b2c3d-0000-4000-8000-00000000000f",
    "0a1b2c3d-0000-4000-8000-00000000000f",
    "URN:UUID:0A1B2C3D-0000-4000-8000-00000000000F",
    "0A1B2C3D-0000-4000-8000-00000000000F",
    " urn:uuid:0a1b2c3d-0000-4000-8000-00000000000f ",
    "legacy-id-3",
    "Legacy-ID-3",
    " legacy ",
    "",
    "   ",
    None,
]


def test_canonical_uuid_in_sql_is_the_python_one(conn: sqlite3.Connection) -> None:
    for raw in UUIDS:
        (found,) = conn.execute(f"SELECT {sql.canonical(':u')}", {"u": raw}).fetchone()
        assert found == canonical_uuid(raw), raw


def test_spellings_are_the_stored_forms(conn: sqlite3.Connection) -> None:
    canonical = canonical_uuid(UUIDS[0])
    assert canonical is not None
    for form, expected in enumerate(stored_forms(canonical)):
        (found,) = conn.execute(f"SELECT {sql.spelled(':u', form)}", {"u": canonical}).fetchone()
        assert found == expected
    (kept,) = conn.execute(f"SELECT {sql.spelled(':u', 3)}", {"u": "legacy-id-3"}).fetchone()
    assert kept == "legacy-id-3"


# Values that `canonical` is not exact for (so only the form checks meet them), and
# values near the cheap test for form 0 (lower-case ASCII after 'urn:uuid:').
ODD_UUIDS = [
    "urn:uuid:legacy-id",
    "urn:uuid:0a1b2c3d-0000-4000-8000-00000000000f\t",
    "urn:uuid:0a1b2c3d-0000-4000-8000-00000000000f\x1f",
    "urn:uuid:0a1b2c3d-0000-4000-8000-00000000000f ",
    "urn:uuid:0A1B2C3D-0000-4000-8000-00000000000F",
    "urn:uuid:a\tb",
    "urn:uuid:\u00e9t\u00e9",
    "urn:uuid:\u00a0",
    "urn:uuid:",
    "Urn:uuid:legacy",
]


@pytest.mark.parametrize("form", range(4))
def test_a_table_is_in_a_form_only_when_every_uuid_is_spelled_so(
    conn: sqlite3.Connection, form: int
) -> None:
    for raws in product(UUIDS + ODD_UUIDS, repeat=2):
        conn.execute("DROP TABLE IF EXISTS u")
        conn.execute("CREATE TABLE u (uuid TEXT)")
        conn.executemany("INSERT INTO u VALUES (?)", [(r,) for r in raws])
        (outside,) = conn.execute(sql.not_in_form("u", "uuid", form)).fetchone()
        spelled_so = all(
            canonical_uuid(r) is None or _spelled(canonical_uuid(r), form) == r for r in raws
        )
        # In the form only when truly so; and truly so, ordinary uuids are never refused.
        assert outside == 1 or spelled_so, (form, raws)
        assert outside == 0 or not (spelled_so and all(map(_ordinary, raws))), (form, raws)


def _ordinary(raw: str | None) -> bool:
    """Printable ASCII, and not an identity that merely starts 'urn:uuid:' (the form
    checks may refuse those: the general path then compares them)."""
    if raw is None:
        return True
    canonical = canonical_uuid(raw)
    prefixed = canonical is not None and canonical.startswith("urn:uuid:")
    odd = prefixed and canonical_uuid(canonical[len("urn:uuid:") :]) != canonical
    return raw.isascii() and raw.isprintable() and not odd


def _spelled(canonical: str | None, form: int) -> str | None:
    """How a table in `form` spells a canonical uuid."""
    assert canonical is not None
    forms = stored_forms(canonical)
    return forms[form] if len(forms) > form else canonical


DECLARED = ["INTEGER", "TEXT", "REAL", "NUMERIC", "", "BLOB", "VARCHAR(10)", "DATETIME", "STRING"]


@pytest.mark.parametrize("column", KINDS, ids=lambda c: f"{c.kind}{'-char' * c.char_boolean}")
def test_equal_between_columns_is_never_laxer_than_python(column: Column) -> None:
    # Stored in columns, values take each side's affinity (REAL makes 0 into 0.0, which
    # IS -0.0); where both sides have the same one, `IS` alone stands for "identical"
    # (plain_is). So "equal" is checked on stored values too.
    conn = sqlite3.connect(":memory:")
    for this_type, other_type in product(DECLARED, repeat=2):
        plain = sql.plain_is(column, sql.affinity(this_type), sql.affinity(other_type))
        conn.execute("DROP TABLE IF EXISTS t")
        conn.execute("DROP TABLE IF EXISTS o")
        conn.execute(f"CREATE TABLE t (c {this_type})")
        conn.execute(f"CREATE TABLE o (c {other_type})")
        for table in ("t", "o"):
            conn.executemany(f"INSERT INTO {table} VALUES (?)", [(v,) for v in RAW])
        query = (
            f"SELECT t.c, o.c FROM t, o WHERE {sql.equal(column, 't.c', 'o.c', plain)} "
            f"AND {sql.valid(column, 't.c')}"
        )
        for a, b in conn.execute(query):
            (ok, typed), (ok_b, typed_b) = _typed(column, a), _typed(column, b)
            # The plan compares typed values with ==, which takes 0.0 for -0.0 as well.
            assert ok and ok_b and typed == typed_b, (this_type, other_type, a, b)


def test_affinity_follows_sqlite_rules() -> None:
    assert [sql.affinity(t) for t in DECLARED] == [
        "INTEGER",
        "TEXT",
        "REAL",
        "NUMERIC",
        "BLOB",
        "BLOB",
        "TEXT",
        "NUMERIC",
        "NUMERIC",
    ]
