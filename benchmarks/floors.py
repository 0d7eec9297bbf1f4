"""The floors: the least work any tool must do for each phase, measured in the same run.

Each function does its work and returns how many rows it handled; `run.py` times it in
its own child process. None of them imports Truce.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from lxml import etree

from benchmarks.exchange import write_xml
from benchmarks.generate import Pair

TABLES = ("gis_location", "pr_person", "pr_address")
# Local bookkeeping and meta columns Truce does not compare as fields (eden mapping).
_NOT_COMPARED = {
    "id",
    "pe_id",
    "track_id",
    "uuid",
    "mci",
    "created_on",
    "modified_on",
    "deleted_fk",
    "deleted_rb",
    "created_by",
    "modified_by",
    "owned_by_user",
    "owned_by_group",
    "realm_entity",
    "approved_by",
}
_REFERENCES = {"location_id": "gis_location", "parent": "gis_location"}


def compared_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    names = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
    return [n for n in names if n not in _NOT_COMPARED]


def join_sql(conn: sqlite3.Connection, table: str, select: str = "t.*, x.*") -> str:
    """OTHER's rows of `table` that THIS lacks or holds differently, by uuid; references
    and the address → person link compared as uuids through joins (OTHER attached as o)."""
    joins, tests = [], []
    for column in compared_columns(conn, table):
        target = _REFERENCES.get(column)
        if target is None:
            tests.append(f"t.{column} IS NOT x.{column}")
            continue
        joins.append(
            f"LEFT JOIN main.{target} t_{column} ON t_{column}.id = t.{column} "
            f"LEFT JOIN o.{target} x_{column} ON x_{column}.id = x.{column}"
        )
        tests.append(f"t_{column}.uuid IS NOT x_{column}.uuid")
    if table == "pr_address":
        joins.append(
            "LEFT JOIN main.pr_person t_m ON t_m.pe_id = t.pe_id "
            "LEFT JOIN o.pr_person x_m ON x_m.pe_id = x.pe_id"
        )
        tests.append("t_m.uuid IS NOT x_m.uuid")
    return (
        f"SELECT {select} FROM o.{table} x LEFT JOIN main.{table} t ON t.uuid = x.uuid "
        f"{' '.join(joins)} WHERE (t.id IS NULL OR {' OR '.join(tests)})"
    )


def _attached(pair: Pair) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{pair.this}?mode=ro", uri=True)
    conn.execute("ATTACH DATABASE ? AS o", (f"file:{pair.other}?mode=ro",))
    return conn


def sqlite_join(pair: Pair) -> int:
    """The join in C, and the differing rows (both sides) turned into Python dicts and
    kept: a plan is those rows held, so a floor that dropped them would measure only
    SQLite's page cache, not the least memory any plan needs."""
    conn = _attached(pair)
    kept: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for table in TABLES:
        cursor = conn.execute(join_sql(conn, table))
        names = [d[0] for d in cursor.description]
        half = len(names) // 2
        for row in cursor:
            this = dict(zip(names[:half], row[:half], strict=True))
            other = dict(zip(names[half:], row[half:], strict=True))
            kept.append((this, other))
    return sum(bool(this) + bool(other) for this, other in kept)


def sqlite_shell(pair: Pair) -> int:
    """The same join in the sqlite3 command-line shell (C end to end), output discarded."""
    shell = shutil.which("sqlite3")
    if shell is None:
        raise RuntimeError("the sqlite3 shell is not installed (apt-get install -y sqlite3)")
    conn = _attached(pair)
    script = f"ATTACH DATABASE '{pair.other}' AS o;\n" + "".join(
        join_sql(conn, table) + ";\n" for table in TABLES
    )
    subprocess.run(
        [shell, "-readonly", str(pair.this)],
        input=script,
        text=True,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return 0


def dict_join(pair: Pair) -> int:
    """All of both sides into Python: tuples, dicts by uuid, references as uuids, compare."""
    sides = [sqlite3.connect(f"file:{p}?mode=ro", uri=True) for p in (pair.this, pair.other)]
    locations = [dict(c.execute("SELECT id, uuid FROM gis_location")) for c in sides]
    masters = [dict(c.execute("SELECT pe_id, uuid FROM pr_person")) for c in sides]
    differing = 0
    for table in TABLES:
        columns = compared_columns(sides[0], table)
        link = table == "pr_address"
        maps: list[dict[str, Any]] = []
        for side, conn in enumerate(sides):
            select = ", ".join(["uuid", *columns, *(["pe_id"] if link else [])])
            refs = [n + 1 for n, c in enumerate(columns) if c in _REFERENCES]
            rows: dict[str, Any] = {}
            for row in conn.execute(f"SELECT {select} FROM {table}"):
                if refs or link:
                    row = list(row)
                    for n in refs:
                        row[n] = locations[side].get(row[n])
                    if link:
                        row[-1] = masters[side].get(row[-1])
                    row = tuple(row)
                rows[row[0]] = row
            maps.append(rows)
        this = maps[0]
        differing += sum(1 for u, row in maps[1].items() if this.get(u) != row)
    return differing


def parse_xml(pair: Pair) -> int:
    """lxml iterparse, hardened as Truce's reader is, each top-level record freed."""
    count = 0
    depth = 0
    for event, elem in etree.iterparse(
        str(pair.other_xml),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    ):
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 1:
            count += 1 + len(elem.findall("resource"))
            elem.clear()
            while elem.getprevious() is not None:
                del elem.getparent()[0]
    return count


def parse_json(pair: Pair) -> int:
    """The stdlib's C parser reading the whole S3JSON document."""
    with pair.other_json.open("rb") as stream:
        document = json.load(stream)
    return sum(len(v) for v in document.values() if isinstance(v, list))


def write_floor(pair: Pair) -> int:
    """lxml xmlfile writing the same elements an export writes (rows read with sqlite3)."""
    with tempfile.TemporaryDirectory(dir=pair.other.parent) as folder:
        return write_xml(pair.other, Path(folder) / "floor.xml")


def change_set(pair: Pair, this_copy: Path) -> list[tuple[str, list[tuple]]]:
    """The writes a `replace` commit makes, as (statement, rows), computed untimed: new
    persons get a new super-entity, references and links are THIS's ids."""
    conn = sqlite3.connect(this_copy)
    conn.execute("ATTACH DATABASE ? AS o", (f"file:{pair.other}?mode=ro",))
    next_pe = conn.execute("SELECT coalesce(max(pe_id), 0) + 1 FROM pr_pentity").fetchone()[0]
    new_pe: dict[Any, int] = {}  # OTHER's pe_id of a new person -> THIS's new pe_id
    writes: list[tuple[str, list[tuple]]] = []
    for table in ("pr_person", "pr_address"):
        columns = compared_columns(conn, table)
        cols = [f"x.{c}" if c not in _REFERENCES else f"tl_{c}.id" for c in columns]
        this_pe = "tp.pe_id" if table == "pr_address" else "t.pe_id"
        select = f"t.id, x.uuid, x.pe_id, {this_pe}, x.modified_on, {', '.join(cols)}"
        sql = join_sql(conn, table, select)
        joins = [
            f"LEFT JOIN main.gis_location tl_{c} ON tl_{c}.uuid = x_{c}.uuid"
            for c in columns
            if c in _REFERENCES
        ]
        if table == "pr_address":
            joins.append("LEFT JOIN main.pr_person tp ON tp.uuid = x_m.uuid")
        sql = sql.replace(" WHERE ", f" {' '.join(joins)} WHERE ", 1)
        rows = conn.execute(sql + " AND NOT (t.id IS NOT NULL AND x.deleted = 'T')").fetchall()
        if table == "pr_person":
            for r in rows:
                if r[0] is None:
                    new_pe[r[2]] = next_pe
                    next_pe += 1
            entities = [(new_pe[r[2]], "F", "pr_person", r[1]) for r in rows if r[0] is None]
            writes.append(
                (
                    "INSERT INTO pr_pentity (pe_id, deleted, instance_type, uuid) VALUES (?,?,?,?)",
                    entities,
                )
            )
        sets = ", ".join(f"{c} = ?" for c in ["modified_on", *columns])
        writes.append(
            (f"UPDATE {table} SET {sets} WHERE id = ?", [(*r[4:], r[0]) for r in rows if r[0]])
        )
        names = ", ".join(["uuid", "pe_id", "modified_on", *columns])
        marks = ", ".join("?" * (len(columns) + 3))
        inserts = [(r[1], r[3] or new_pe.get(r[2]), *r[4:]) for r in rows if r[0] is None]
        writes.append((f"INSERT INTO {table} ({names}) VALUES ({marks})", inserts))
    conn.close()
    return writes


def commit(pair: Pair, rollback: bool = False) -> tuple[int, float]:
    """`executemany` of the same change set in one transaction, on a copy of THIS;
    (rows written, seconds of the writing alone)."""
    with tempfile.TemporaryDirectory(dir=pair.this.parent) as folder:
        copy = Path(folder) / "this.db"
        shutil.copyfile(pair.this, copy)
        writes = change_set(pair, copy)
        start = time.perf_counter()
        conn = sqlite3.connect(copy, isolation_level=None)
        conn.execute("PRAGMA cache_size = -262144")
        conn.execute("BEGIN")
        count = 0
        for statement, rows in writes:
            conn.executemany(statement, rows)
            count += len(rows)
        conn.execute("ROLLBACK" if rollback else "COMMIT")
        conn.close()
        return count, time.perf_counter() - start


def dry_run(pair: Pair) -> tuple[int, float]:
    """The same writes, rolled back."""
    return commit(pair, rollback=True)
