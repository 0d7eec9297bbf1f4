"""SQL text that decides, per matched row pair, whether Python must look at it.

Both sides are SQLite files, OTHER attached to a connection on THIS. For each resource
one query pairs OTHER's rows with THIS's by uuid and classifies each pair:

- 0: surely unchanged — every compared raw value is identical on both sides (same storage
  class, same bytes; timestamps compared as exact microseconds), references and the
  master translated to uuids agree, and every value either side's converters would type
  is surely valid (so neither record carries a problem);
- 1: surely deleted on both sides;
- 2: a candidate: Python types both records and decides, exactly as the general path.

The SQL may call a pair a candidate when Python then finds it unchanged (a timestamp
written differently, '1' against 1); it must never call a pair unchanged that Python would
not. Every "surely" predicate below is therefore stricter than the converter it stands
for (core/values.py). Names come only from THIS's reflected schema and are quoted.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from core.schema import Column, Kind, Resource
from core.unchanged import NO_TIME, SAME_AS_THIS

_HEX = "[0-9a-fA-F]"
_UUID_GLOB = "-".join(_HEX * n for n in (8, 4, 4, 4, 12))
_D = "[0-9]"
_UNIXEPOCH = sqlite3.sqlite_version_info >= (3, 38)
_TRUE_TEXT = ("T", "t", "true", "True", "TRUE", "1")
_FALSE_TEXT = ("F", "f", "false", "False", "FALSE", "0")


def quote(name: str) -> str:
    """An SQL identifier, quoted (names come from THIS's reflected schema)."""
    return '"' + name.replace('"', '""') + '"'


def _text_list(values: tuple[str, ...]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


# ----- uuids
def bare(expr: str) -> str:
    """The uuid text without surrounding spaces and without a `urn:uuid:` prefix."""
    trimmed = f"trim({expr})"
    return (
        f"(CASE WHEN lower(substr({trimmed}, 1, 9)) = 'urn:uuid:' "
        f"THEN substr({trimmed}, 10) ELSE {trimmed} END)"
    )


def canonical(expr: str) -> str:
    """SQL for core.identity.canonical_uuid of a printable-ASCII text (NULL when blank).

    Exact only for text of printable ASCII: trim() removes only spaces, which is all
    str.strip() removes from such text. `uuid_guard` checks that precondition."""
    b = bare(expr)
    return (
        f"(CASE WHEN {b} GLOB '{_UUID_GLOB}' THEN 'urn:uuid:' || lower({b}) "
        f"ELSE nullif(trim({expr}), '') END)"
    )


def spelled(expr: str, form: int) -> str:
    """A canonical uuid (SQL) spelled in one of core.identity.stored_forms's forms."""
    if form == 0:
        return expr
    hex_part = f"substr({expr}, 10)"
    spelling = {1: hex_part, 2: f"'urn:uuid:' || upper({hex_part})", 3: f"upper({hex_part})"}
    return f"(CASE WHEN {expr} GLOB 'urn:uuid:*' THEN {spelling[form]} ELSE {expr} END)"


def _any(table: str, condition: str) -> str:
    """1 when some row of `table` meets `condition`, else 0 (stops at the first one)."""
    return f"SELECT count(*) FROM (SELECT 1 FROM {table} WHERE {condition} LIMIT 1)"


def uuid_guard(table: str, column: str) -> str:
    """1 when some uuid is one `canonical` cannot read exactly (not printable-ASCII text)."""
    col = quote(column)
    return _any(table, f"{col} IS NOT NULL AND (typeof({col}) <> 'text' OR {col} GLOB '*[^ -~]*')")


_FORM_GLOBS = (
    "urn:uuid:" + _UUID_GLOB.replace("[0-9a-fA-F]", "[0-9a-f]"),
    _UUID_GLOB.replace("[0-9a-fA-F]", "[0-9a-f]"),
    "urn:uuid:" + _UUID_GLOB.replace("[0-9a-fA-F]", "[0-9A-F]"),
    _UUID_GLOB.replace("[0-9a-fA-F]", "[0-9A-F]"),
)


def not_in_form(table: str, column: str, form: int) -> str:
    """1 when some uuid is not spelled in `form` (core.identity.stored_forms order), else 0."""
    col = quote(column)
    return _any(table, f"NOT {in_form(col, form)}")


def in_form(col: str, form: int) -> str:
    """SQL: the uuid `col` is spelled in `form` (core.identity.stored_forms order).

    A uuid is in the form when it is that spelling of an RFC 4122 uuid, or an identity that
    is not such a uuid and is kept exactly (no surrounding spaces), or blank (no identity),
    or NULL; only printable-ASCII text qualifies, so `canonical` reads every such value
    exactly. Cheap tests come first: the expensive checks run only on odd values."""
    # An identity that is not a uuid is spelled as it is, except that the other forms
    # drop or upper-case a lower-case 'urn:uuid:' prefix (core.identity.stored_forms).
    kept = "" if form == 0 else f" AND {col} NOT GLOB 'urn:uuid:*'"
    plain = (
        f"({col} NOT GLOB '*[^ -~]*' AND (trim({col}) = '' OR "
        f"(trim({col}) = {col} AND NOT {bare(col)} GLOB '{_UUID_GLOB}'{kept})))"
    )
    full = f"({col} GLOB '{_FORM_GLOBS[form]}' OR {plain})"
    if form == 0:
        # Lower-case ASCII text that starts 'urn:uuid:' and ends in no space is in form 0
        # whatever it holds: a uuid spelled so, or an identity kept exactly. (A character
        # count equal to the byte count means ASCII; no GLOB per character.)
        full = (
            f"((substr({col}, 1, 9) = 'urn:uuid:' AND substr({col}, -1) > ' ' "
            f"AND lower({col}) = {col} AND length({col}) = length(CAST({col} AS BLOB))) "
            f"OR {full})"
        )
    return f"({col} IS NULL OR (typeof({col}) = 'text' AND {full}))"


# ----- values
def affinity(declared: str) -> str:
    """SQLite's affinity of a declared column type (its documented rules, in order)."""
    upper = declared.upper()
    if "INT" in upper:
        return "INTEGER"
    if any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in upper or not upper:
        return "BLOB"
    if any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


def plain_is(column: Column, this_affinity: str, other_affinity: str) -> bool:
    """Whether `IS` alone tells identical raw values of this column apart.

    With the same affinity on both sides no conversion happens in the comparison, and a
    column with an affinity never holds both 1 and 1.0 (it stores one as the other), so
    equal values have the same storage class. Without an affinity (BLOB) it may hold both,
    and so may a numeric one written before its type was changed: only kinds whose
    converter types 1 and 1.0 alike may then skip the storage class."""
    if this_affinity != other_affinity or this_affinity == "BLOB":
        return False
    return this_affinity == "TEXT" or column.kind is not Kind.STRING


def same(a: str, b: str, plain: bool = False) -> str:
    """Identical raw values: same storage class and value.

    `IS` under BINARY compares text and blobs byte for byte and numbers by value; the
    storage classes must agree (unless `plain`, see `plain_is`) because `IS` would also
    equate 1 and 1.0, and may apply one column's numeric affinity to the other's text."""
    if plain:
        return f"({a} IS {b} COLLATE BINARY)"
    return f"({a} IS {b} COLLATE BINARY AND typeof({a}) = typeof({b}))"


def micros(expr: str) -> str:
    """Exact microseconds since the epoch of a text that `valid_datetime` accepts."""
    whole = (
        f"unixepoch(substr({expr}, 1, 19))"
        if _UNIXEPOCH
        else (f"CAST(strftime('%s', substr({expr}, 1, 19)) AS INTEGER)")
    )
    fraction = f"CAST(substr(substr({expr}, 21) || '000000', 1, 6) AS INTEGER)"
    return f"({whole} * 1000000 + {fraction})"


def valid_datetime(expr: str) -> str:
    """'YYYY-MM-DD HH:MM:SS' (or T), optionally with 3 or 6 fraction digits, a real date
    and time from year 1 on.

    SQLite's datetime() with a modifier writes exactly that shape, normalising an
    impossible date or time (without one it echoes the fields as read), so a text it gives
    back unchanged (T read as a space) has the shape and is real; a negative year would
    start with '-', which sorts before '0001' (compared as text: `+` drops the column's
    affinity, which would make '0001' the number 1)."""
    whole = f"substr({expr}, 1, 19)"
    fraction = f"substr({expr}, 20)"
    # The usual spelling (a space, no fraction) is the whole round trip: tried first.
    return (
        f"(typeof({expr}) = 'text' AND +{expr} >= '0001' AND "
        f"(datetime({expr}, '+0 seconds') = {expr} OR (CASE length({expr}) "
        f"WHEN 19 THEN 1 WHEN 23 THEN {fraction} GLOB '.{_D * 3}' "
        f"WHEN 26 THEN {fraction} GLOB '.{_D * 6}' ELSE 0 END "
        f"AND datetime({whole}, '+0 seconds') = replace({whole}, 'T', ' '))))"
    )


def valid_date(expr: str) -> str:
    """'YYYY-MM-DD', a real date from year 1 on (date() with a modifier gives exactly such
    a text back unchanged)."""
    return f"(typeof({expr}) = 'text' AND +{expr} >= '0001' AND date({expr}, '+0 days') = {expr})"


def valid_boolean(expr: str) -> str:
    return (
        f"((typeof({expr}) = 'integer' AND {expr} IN (0, 1)) OR (typeof({expr}) = 'text' "
        f"AND {expr} IN ({_text_list(_TRUE_TEXT + _FALSE_TEXT)})))"
    )


def surely_false(expr: str) -> str:
    """A `deleted` value that types to False without a problem (Eden's 'F' tried first)."""
    return (
        f"({expr} IS NULL OR {expr} IS 'F' COLLATE BINARY OR "
        f"(typeof({expr}) = 'integer' AND {expr} = 0) OR "
        f"(typeof({expr}) = 'text' AND {expr} IN ({_text_list(_FALSE_TEXT)})))"
    )


def surely_true(expr: str) -> str:
    return (
        f"({expr} IS 'T' COLLATE BINARY OR (typeof({expr}) = 'integer' AND {expr} = 1) OR "
        f"(typeof({expr}) = 'text' AND {expr} IN ({_text_list(_TRUE_TEXT)})))"
    )


def valid(column: Column, expr: str) -> str:
    """True only when the column's converter surely types the raw value without a problem."""
    if column.char_boolean or column.kind is Kind.BOOLEAN:
        check = valid_boolean(expr)
    elif column.kind in (Kind.STRING, Kind.OTHER):
        return "1"
    elif column.kind is Kind.INTEGER:
        check = f"typeof({expr}) = 'integer'"
    elif column.kind in (Kind.FLOAT, Kind.DECIMAL):
        check = f"typeof({expr}) IN ('integer', 'real')"
    elif column.kind is Kind.DATE:
        check = valid_date(expr)
    elif column.kind is Kind.DATETIME:
        check = valid_datetime(expr)
    else:  # JSON text is typed by json.loads: let Python judge it
        check = f"typeof({expr}) IN ('integer', 'real')"
    return f"({expr} IS NULL OR {check})"


def equal(column: Column, a: str, b: str, plain: bool = False) -> str:
    """Both raw values surely type to the same value (the validity of `a` is checked
    apart, so identical values need nothing more)."""
    if column.kind is Kind.DATETIME and not column.char_boolean:
        return (
            f"({same(a, b, plain)} OR ({valid_datetime(a)} AND {valid_datetime(b)} "
            f"AND {micros(a)} = {micros(b)}))"
        )
    if column.kind is Kind.STRING and not plain:
        # 0.0 IS -0.0, but their texts differ: a zero real is left to Python.
        return f"({same(a, b)} AND NOT (typeof({a}) = 'real' AND {a} = 0))"
    return same(a, b, plain)


def modified_micros(other: str | None, this: str | None, plain: bool = False) -> str:
    """OTHER's modified_on as the unchanged set stores it: SAME_AS_THIS when the raw value
    is THIS's (typed the same, read with THIS's row), else microseconds (any value for a
    candidate)."""
    if other is None:
        return str(NO_TIME)
    own = f"(CASE WHEN {valid_datetime(other)} THEN {micros(other)} ELSE {NO_TIME} END)"
    if this is None:
        return own
    return f"(CASE WHEN {same(this, other, plain)} THEN {SAME_AS_THIS} ELSE {own} END)"


_META_KINDS = (("modified_on", Kind.DATETIME), ("created_on", Kind.DATETIME), ("mci", Kind.INTEGER))


def meta_valid(res: Resource, alias: str) -> list[str]:
    """Conditions that the meta values of `res`'s row typed without a problem."""
    checks = []
    for role, kind in _META_KINDS:
        name = getattr(res.meta, role)
        if res.has(name):
            checks.append(valid(Column(name, kind), f"{alias}.{quote(name)}"))
    return checks


def both_meta_valid(
    this: Resource, other: Resource, plain: Callable[[Column], bool] = lambda _: False
) -> list[str]:
    """Conditions that the meta values of both rows typed without a problem; a value the
    same on both sides (the usual case) is checked once. `plain`: see `plain_is`."""
    checks = []
    for role, kind in _META_KINDS:
        name = getattr(this.meta, role)
        column = Column(name, kind)
        t, o = f"t.{quote(name)}", f"o.{quote(name)}"
        if this.has(name) and other.has(name):
            # AND/OR, not CASE: SQLite short-circuits them only where they decide a
            # branch; a CASE's THEN value would evaluate every part of `valid`.
            checks.append(
                f"({valid(column, t)} AND ({same(t, o, plain(column))} OR {valid(column, o)}))"
            )
        elif this.has(name) or other.has(name):
            checks.append(valid(column, t if this.has(name) else o))
    return checks
