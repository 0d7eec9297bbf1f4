"""A generated Eden-shaped pair at any size: THIS and OTHER SQLite files, OTHER as S3XML/S3JSON.

Both databases use the Eden reference schema (tests/fixtures/eden/eden-schema.sql) and are
read with the built-in `eden` mapping: persons (with their `pr_pentity` super-entity row),
~1.5 address components per person joined through `pe_id`, and ~1 location per 100
persons, referenced by addresses and some persons. OTHER has its own local ids (so every
comparison must go through uuids) and differs on ~16 % of persons:

| kind          | share | what OTHER has                                          |
|---------------|-------|---------------------------------------------------------|
| value         | 5 %   | first name / comments changed, modified later           |
| conflict      | 2 %   | last name changed on both sides, differently            |
| address       | 3 %   | an address changed (comments, location), person not     |
| new           | 2 %   | a person (with addresses) THIS never had                |
| deleted       | 1.5 % | the person soft-deleted (`deleted = 'T'`)               |
| restored      | 1 %   | THIS deleted the person, OTHER did not                  |
| stamp format  | 2.5 % | the same timestamps written `2024-01-01T10:00:00`       |

Deterministic for a (size, seed); files are cached by (size, seed, GENERATOR_VERSION).
Stdlib + lxml only, no dependency on Truce's code, so the floors never share its costs.
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

GENERATOR_VERSION = 2
REPO = Path(__file__).resolve().parents[1]
SCHEMA_FILE = REPO / "tests" / "fixtures" / "eden" / "eden-schema.sql"
CACHE = REPO / "tmp" / "bench"

KINDS = (
    ("value", 0.05),
    ("conflict", 0.02),
    ("address", 0.03),
    ("new", 0.02),
    ("deleted", 0.015),
    ("restored", 0.01),
    ("stamp", 0.025),
)
PERSON_COLUMNS = (
    "id",
    "pe_id",
    "location_id",
    "missing",
    "first_name",
    "middle_name",
    "last_name",
    "gender",
    "date_of_birth",
    "deceased",
    "comments",
    "uuid",
    "mci",
    "deleted",
    "created_on",
    "modified_on",
)
ADDRESS_COLUMNS = (
    "id",
    "pe_id",
    "type",
    "location_id",
    "is_base_location",
    "comments",
    "uuid",
    "mci",
    "deleted",
    "created_on",
    "modified_on",
)
LOCATION_COLUMNS = (
    "id",
    "name",
    "level",
    "gis_feature_type",
    "lat",
    "lon",
    "uuid",
    "mci",
    "deleted",
    "created_on",
    "modified_on",
)
FIRST = ("Amara", "Bilal", "Chen", "Dara", "Emeka", "Fatima", "Goran", "Hana", "Ivo", "Jun")
LAST = ("Perera", "Okafor", "Silva", "Nguyen", "Haddad", "Kowalski", "Mensah", "Ito", "Rossi")
_CHUNK = 20_000
_MASK48 = (1 << 48) - 1


@dataclass(frozen=True)
class Pair:
    """The generated files of one (size, seed)."""

    this: Path
    other: Path
    other_xml: Path
    other_json: Path
    persons: int


def uid(table: int, i: int, seed: int) -> str:
    """A unique, random-looking, deterministic urn:uuid: the last group is a bijection of
    i (so no repeats, and rows reach the uuid index in random order)."""
    return _prefix(table, seed) + f"{(i * _SCRAMBLE + seed) & _MASK48:012x}"


def _prefix(table: int, seed: int) -> str:
    return f"urn:uuid:7e57{table:04x}-{seed & 0xFFFF:04x}-4b3c-a1d2-"


_SCRAMBLE = 0x5DEECE66D  # odd, so i -> i * _SCRAMBLE mod 2**48 is a bijection; small
# enough that SQLite's 64-bit integers compute it too (i < 2**24)


def _stamps(month: int) -> list[str]:
    return [
        f"2024-{month:02d}-{1 + d % 28:02d} {h:02d}:{(d * 7) % 60:02d}:00"
        for d in range(28)
        for h in range(24)
    ]


BASE, LATER, LATEST = _stamps(1), _stamps(3), _stamps(5)


def kind_table(n: int, seed: int) -> bytearray:
    """kinds[i] is the index+1 in KINDS of person i's difference, 0 when unchanged."""
    rng = random.Random(seed)
    kinds = bytearray(n)
    bounds = []
    total = 0.0
    for _, share in KINDS:
        total += share
        bounds.append(total)
    rand = rng.random
    for i in range(n):
        r = rand()
        if r < total:
            k = 0
            while r >= bounds[k]:
                k += 1
            kinds[i] = k + 1
    return kinds


def _kind(name: str) -> int:
    return [k for k, _ in KINDS].index(name) + 1


VALUE, CONFLICT, ADDRESS, NEW, DELETED, RESTORED, STAMP = (_kind(k) for k, _ in KINDS)


def _iso(stamp: str) -> str:
    return stamp.replace(" ", "T")


def _schema() -> tuple[str, str]:
    """The Eden reference schema without its indexes, and those indexes (an inline uuid
    UNIQUE becomes a unique index: the same constraint, built once the rows are in)."""
    tables, indexes, unique = [], [], []
    table = ""
    for line in SCHEMA_FILE.read_text("utf-8").splitlines():
        found = re.match(r'CREATE TABLE IF NOT EXISTS "(\w+)"', line)
        table = found.group(1) if found else table
        if line.startswith("CREATE INDEX"):
            indexes.append(line)
        elif line.lstrip().startswith('"uuid"') and "UNIQUE" in line:
            tables.append(line.replace(" UNIQUE", ""))
            unique.append(table)
        else:
            tables.append(line)
    indexes += [f"CREATE UNIQUE INDEX {t}_uuid ON {t} (uuid);" for t in unique]
    indexes.append("CREATE INDEX pr_pentity_uuid ON pr_pentity (uuid);")
    return "\n".join(tables), "\n".join(indexes)


def _insert(table: str, columns: tuple[str, ...], schema: str = "main") -> str:
    marks = ", ".join("?" * len(columns))
    return f"INSERT INTO {schema}.{table} ({', '.join(columns)}) VALUES ({marks})"


def _connect(path: Path) -> sqlite3.Connection:
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def build_databases(this_path: Path, other_path: Path, n: int, seed: int) -> None:
    """THIS and OTHER, each a complete Eden-schema SQLite file.

    Python writes every person once (into THIS); OTHER is copied from it inside SQLite
    with its own ids, then both get their differences; indexes come last."""
    tables, indexes = _schema()
    kinds = kind_table(n, seed)
    locations = max(1, n // 100)
    conn = _connect(this_path)
    _connect(other_path).close()
    conn.execute("ATTACH DATABASE ? AS o", (str(other_path),))
    for schema in ("main", "o"):
        conn.executescript(
            tables.replace('CREATE TABLE IF NOT EXISTS "', f'CREATE TABLE IF NOT EXISTS {schema}."')
        )
    conn.execute("BEGIN")
    conn.executemany(_insert("gis_location", LOCATION_COLUMNS), _locations(locations, seed))
    addresses = _base_rows(conn, n, locations, seed)
    _copy_to_other(conn, n, addresses, locations)
    conn.execute("CREATE INDEX o.diverge_pe ON pr_address (pe_id)")  # dropped below
    conn.execute("CREATE INDEX main.diverge_pe ON pr_address (pe_id)")
    _diverge(conn, kinds, locations)
    conn.execute("DROP INDEX o.diverge_pe")
    conn.execute("DROP INDEX main.diverge_pe")
    conn.execute("COMMIT")
    conn.executescript(indexes)
    conn.executescript(indexes.replace("INDEX ", "INDEX o."))
    conn.close()


def _locations(count: int, seed: int) -> list[tuple]:
    return [
        (
            k + 1,
            f"Place {k}",
            "L3",
            1,
            round(-10 + k * 0.001, 6),
            round(30 + k * 0.002, 6),
            uid(3, k, seed),
            1,
            "F",
            BASE[k % len(BASE)],
            BASE[k % len(BASE)],
        )
        for k in range(count)
    ]


def _stamp_sql(month: int, k: str) -> str:
    """BASE/LATER/LATEST[k] (k < 672) computed in SQL, the same text as `_stamps`."""
    day, hour, minute = f"1 + ({k}) / 24 % 28", f"({k}) % 24", f"({k}) / 24 * 7 % 60"
    return f"printf('2024-{month:02d}-%02d %02d:%02d:00', {day}, {hour}, {minute})"


def _base_rows(conn: sqlite3.Connection, n: int, locations: int, seed: int) -> int:
    """Persons 0..n-1 as both sides had them when they last synced (id = i + 1), their
    super-entities and addresses, generated inside SQLite; returns the address count."""
    seq = "WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < ?) "
    created, modified = _stamp_sql(1, "i * 7 % 672"), _stamp_sql(1, "i % 672")
    first = json.dumps(FIRST)
    last = json.dumps(LAST)
    conn.execute(
        seq + f"INSERT INTO pr_person ({', '.join(PERSON_COLUMNS)}) SELECT i + 1, i + 1, "
        f"CASE WHEN i % 5 = 0 THEN i * 31 % {locations} + 1 END, 'F', "
        f"json_extract('{first}', '$[' || (i % 10) || ']'), "
        f"CASE WHEN i % 4 = 0 THEN json_extract('{first}', '$[' || (i * 3 % 10) || ']') END, "
        f"json_extract('{last}', '$[' || (i / 10 % 9) || ']'), 1 + i % 2, "
        "printf('19%02d-%02d-%02d', 50 + i % 50, 1 + i % 12, 1 + i % 28), 'F', "
        "CASE WHEN i % 3 = 0 THEN 'registered at desk ' || (i % 97) END, "
        f"'{_prefix(1, seed)}' || printf('%012x', (i * {_SCRAMBLE} + {seed}) & {_MASK48}), "
        f"1, 'F', {created}, {modified} FROM seq",
        (n - 1,),
    )
    conn.execute(
        "INSERT INTO pr_pentity (pe_id, deleted, instance_type, uuid) "
        "SELECT pe_id, deleted, 'pr_person', uuid FROM pr_person"
    )
    conn.execute(
        seq + f"INSERT INTO pr_address ({', '.join(ADDRESS_COLUMNS[1:])}) "
        f"SELECT i + 1, 1 + a, (i * 7 + a * 13) % {locations} + 1, "
        "CASE a WHEN 0 THEN 'T' ELSE 'F' END, 'home ' || a || ' of person ' || i, "
        f"'{_prefix(2, seed)}' || "
        f"printf('%012x', ((2 * i + a) * {_SCRAMBLE} + {seed}) & {_MASK48}), "
        f"1, 'F', {created}, {modified} "
        "FROM seq, (SELECT 0 AS a UNION ALL SELECT 1) "
        "WHERE a = 0 OR (i * 40503 >> 7) % 2 = 1 ORDER BY i, a",
        (n - 1,),
    )
    return conn.execute("SELECT count(*) FROM pr_address").fetchone()[0]


def _copy_to_other(conn: sqlite3.Connection, n: int, addresses: int, locations: int) -> None:
    """OTHER numbers everything its own way: ids reversed, super-entity ids shifted."""
    loc = f"{locations + 1} - location_id"
    person = ", ".join(PERSON_COLUMNS[3:])
    address = ", ".join(ADDRESS_COLUMNS[4:])
    location = ", ".join(LOCATION_COLUMNS[1:])
    script = f"""
        INSERT INTO o.gis_location (id, {location})
            SELECT {locations + 1} - id, {location} FROM gis_location ORDER BY id DESC;
        INSERT INTO o.pr_pentity (pe_id, deleted, instance_type, uuid)
            SELECT pe_id + 1000, deleted, instance_type, uuid FROM pr_pentity;
        INSERT INTO o.pr_person (id, pe_id, location_id, {person})
            SELECT {n + 1} - id, pe_id + 1000, {loc}, {person} FROM pr_person ORDER BY id DESC;
        INSERT INTO o.pr_address (id, pe_id, type, location_id, {address})
            SELECT {addresses + 1} - id, pe_id + 1000, type, {loc}, {address}
            FROM pr_address ORDER BY id DESC;
    """
    for statement in script.split(";"):  # executescript would end the transaction
        if statement.strip():
            conn.execute(statement)


def _diverge(conn: sqlite3.Connection, kinds: bytearray, locations: int) -> None:
    """Each side's edits since the last sync, by THIS's person id (OTHER's is n + 1 - id)."""
    n = len(kinds)
    by_kind: dict[int, list[int]] = {k: [] for k in range(1, len(KINDS) + 1)}
    for i, kind in enumerate(kinds):
        if kind:
            by_kind[kind].append(i + 1)

    def later(pk: int, stamps: list[str]) -> str:
        return stamps[pk % len(stamps)]

    def other(sql: str, rows: list[tuple]) -> None:
        conn.executemany(sql.replace("{T}", "o.pr_person"), rows)

    other(
        "UPDATE {T} SET first_name = first_name || 'e', comments = ?, modified_on = ? WHERE id = ?",
        [
            (f"updated at field office {pk % 13}", later(pk, LATEST), n + 1 - pk)
            for pk in by_kind[VALUE]
        ],
    )
    conn.executemany(
        "UPDATE pr_person SET last_name = last_name || '-Local', modified_on = ? WHERE id = ?",
        [(later(pk, LATER), pk) for pk in by_kind[CONFLICT]],
    )
    other(
        "UPDATE {T} SET last_name = last_name || '-Field', modified_on = ? WHERE id = ?",
        [(later(pk, LATEST if pk & 1 else BASE), n + 1 - pk) for pk in by_kind[CONFLICT]],
    )
    conn.executemany(
        "UPDATE o.pr_address SET comments = 'moved: ' || comments, location_id = ?, modified_on = ?"
        " WHERE id = (SELECT min(id) FROM o.pr_address WHERE pe_id = ?)",
        [((pk * 11 + 5) % locations + 1, later(pk, LATEST), pk + 1000) for pk in by_kind[ADDRESS]],
    )
    other(
        "UPDATE {T} SET deleted = 'T', modified_on = ? WHERE id = ?",
        [(later(pk, LATEST), n + 1 - pk) for pk in by_kind[DELETED]],
    )
    conn.executemany(
        "UPDATE pr_person SET deleted = 'T', modified_on = ? WHERE id = ?",
        [(later(pk, LATER), pk) for pk in by_kind[RESTORED]],
    )
    other(
        "UPDATE {T} SET modified_on = ? WHERE id = ?",
        [(later(pk, LATEST), n + 1 - pk) for pk in by_kind[RESTORED]],
    )
    stamp_ids = [(n + 1 - pk,) for pk in by_kind[STAMP]]
    other(
        "UPDATE {T} SET created_on = replace(created_on, ' ', 'T'),"
        " modified_on = replace(modified_on, ' ', 'T') WHERE id = ?",
        stamp_ids,
    )
    conn.executemany(
        "UPDATE o.pr_address SET created_on = replace(created_on, ' ', 'T'),"
        " modified_on = replace(modified_on, ' ', 'T') WHERE pe_id = ?",
        [(pk + 1000,) for pk in by_kind[STAMP]],
    )
    new = [(pk,) for pk in by_kind[NEW]]  # persons only OTHER has: THIS never saw them
    conn.executemany("DELETE FROM pr_address WHERE pe_id = ?", new)
    conn.executemany("DELETE FROM pr_pentity WHERE pe_id = ?", new)
    conn.executemany("DELETE FROM pr_person WHERE id = ?", new)


def ensure_pair(size: int, seed: int = 7, cache: Path = CACHE, exchange: bool = True) -> Pair:
    """The generated files for (size, seed), built once and cached by generator version;
    the S3XML and S3JSON forms only when `exchange` (each file has its own marker)."""
    from benchmarks.exchange import write_json, write_xml

    folder = cache / f"eden-{size}-s{seed}-v{GENERATOR_VERSION}"
    pair = Pair(
        folder / "this.db", folder / "other.db", folder / "other.xml", folder / "other.json", size
    )
    folder.mkdir(parents=True, exist_ok=True)
    if (folder / "complete").exists():  # a pair cached before the per-file markers
        return pair
    steps = [("databases", lambda: build_databases(pair.this, pair.other, size, seed))]
    if exchange:
        steps.append(("xml", lambda: write_xml(pair.other, pair.other_xml)))
        steps.append(("json", lambda: write_json(pair.other, pair.other_json)))
    for name, build in steps:
        marker = folder / f"{name}.ok"
        if not marker.exists():
            build()
            marker.write_text("ok\n")
    return pair
