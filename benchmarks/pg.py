"""THIS on PostgreSQL (`run.py --pg URL`): Truce's plan and dry run against server floors.

The generated pair is copied (COPY) into two schemas of the given database, `bench_this`
and `bench_other`, once per (size, seed, generator version). Truce reads THIS through a
URL whose search_path is `bench_this`; OTHER stays the SQLite file, as when a central
server syncs with a field instance. The floors are the same join done by the server
(both schemas, only differing rows reach Python) and the change set written with
`executemany` and with COPY, rolled back.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import psycopg

from benchmarks.floors import TABLES, change_set, join_sql
from benchmarks.generate import GENERATOR_VERSION, SCHEMA_FILE, Pair

_ORDER = (
    "auth_user",
    "pr_pentity",
    "sit_trackable",
    "gis_location",
    "org_organisation",
    "pr_person",
    "pr_address",
    "pr_contact",
    "sync_repository",
)
_KEYS = {"pr_pentity": "pe_id", "sit_trackable": "track_id"}
_LOAD_VERSION = 2  # bump when the PostgreSQL schema or copy changes
SCHEMAS = {"this": "bench_this", "other": "bench_other"}


def _libpq(url: str) -> str:
    """A SQLAlchemy URL (postgresql+psycopg://…) as libpq takes it."""
    return re.sub(r"^postgresql\+\w+://", "postgresql://", url)


def this_url(url: str) -> str:
    """THIS for Truce: the same database, search_path set to THIS's schema."""
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{SCHEMAS['this']}"


def _statements() -> list[str]:
    sections: dict[str, str] = {}
    for chunk in SCHEMA_FILE.read_text("utf-8").split("-- ===== ")[1:]:
        name, _, body = chunk.partition("\n")
        sections[name.strip()] = body
    statements = []
    for name in _ORDER:
        body = sections[name].replace("INTEGER PRIMARY KEY AUTOINCREMENT", "SERIAL PRIMARY KEY")
        body = body.replace(" DOUBLE,", " DOUBLE PRECISION,")
        # pydal writes string fields as CHAR(n) on SQLite but VARCHAR(n) on PostgreSQL
        # (whose CHAR(n) pads with blanks); CHAR(1) booleans stay CHAR(1).
        body = re.sub(r"\bCHAR\((\d\d+|[2-9])\)", r"VARCHAR(\1)", body)
        statements += [s.strip() for s in body.split(";") if s.strip()]
    return statements


def load(pair: Pair, url: str) -> None:
    """Copy THIS and OTHER into their schemas unless this very pair is already there."""
    stamp = f"{pair.persons}-{pair.this.parent.name}-v{GENERATOR_VERSION}-l{_LOAD_VERSION}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        found = conn.execute(
            "SELECT obj_description(oid) FROM pg_namespace WHERE nspname = %s",
            (SCHEMAS["other"],),
        ).fetchone()
        if found and found[0] == stamp:
            return
        for side, schema in SCHEMAS.items():
            source = pair.this if side == "this" else pair.other
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"SET search_path = {schema}")
            for statement in _statements():
                conn.execute(statement)
            _copy(conn, source)
        conn.execute(f"COMMENT ON SCHEMA {SCHEMAS['other']} IS '{stamp}'")


def _copy(conn: psycopg.Connection, source: Path) -> None:
    lite = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    for table in _ORDER:
        columns = [r[1] for r in lite.execute(f"PRAGMA table_info({table})")]
        names = ", ".join(columns)
        with conn.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in lite.execute(f"SELECT {names} FROM {table}"):
                copy.write_row(row)
        key = _KEYS.get(table, "id")
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), "
            f"(SELECT coalesce(max({key}), 0) + 1 FROM {table}), false)"
        )
        conn.execute(f"ANALYZE {table}")
    lite.close()


def server_join(pair: Pair, url: str) -> int:
    """The floor of the plan: the join inside PostgreSQL, differing rows into Python."""
    lite = sqlite3.connect(f"file:{pair.this}?mode=ro", uri=True)
    count = 0
    with psycopg.connect(_libpq(url)) as conn:
        for table in TABLES:
            sql = join_sql(lite, table).replace(" IS NOT ", " IS DISTINCT FROM ")
            sql = sql.replace("main.", f"{SCHEMAS['this']}.").replace(
                " o.", f" {SCHEMAS['other']}."
            )
            with conn.cursor(name=f"join_{table}") as cursor:  # server-side: streamed
                cursor.execute(sql)
                names = [d[0] for d in cursor.description or ()]
                half = len(names) // 2
                for row in cursor:
                    this = dict(zip(names[:half], row[:half], strict=True))
                    other = dict(zip(names[half:], row[half:], strict=True))
                    count += bool(this) + bool(other)
    return count


def _writes(pair: Pair) -> list[tuple[str, list[tuple]]]:
    # The change set is computed on a throwaway SQLite copy; ids are THIS's on both.
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(dir=pair.this.parent) as folder:
        copy = Path(folder) / "this.db"
        shutil.copyfile(pair.this, copy)
        return [(s.replace("?", "%s"), rows) for s, rows in change_set(pair, copy)]


def executemany(pair: Pair, url: str) -> tuple[int, float]:
    """The commit floor on the server: executemany in one transaction, rolled back."""
    writes = _writes(pair)
    with psycopg.connect(_libpq(url)) as conn:
        conn.execute(f"SET search_path = {SCHEMAS['this']}")
        start = time.perf_counter()
        count = 0
        with conn.cursor() as cursor:
            for statement, rows in writes:
                if rows:
                    cursor.executemany(statement, rows)
                count += len(rows)
        seconds = time.perf_counter() - start
        conn.rollback()
    return count, seconds


def copy_floor(pair: Pair, url: str) -> tuple[int, float]:
    """The same rows through COPY into a temporary table (the fastest way in)."""
    writes = _writes(pair)
    with psycopg.connect(_libpq(url)) as conn:
        conn.execute(f"SET search_path = {SCHEMAS['this']}")
        start = time.perf_counter()
        count = 0
        for n, (_statement, rows) in enumerate(writes):
            if not rows:
                continue
            width = len(rows[0])
            columns = ", ".join(f"c{i} text" for i in range(width))
            conn.execute(f"CREATE TEMP TABLE w{n} ({columns})")
            with conn.cursor().copy(f"COPY w{n} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            count += len(rows)
        seconds = time.perf_counter() - start
        conn.rollback()
    return count, seconds


def plan(pair: Pair, url: str) -> int:
    from core.session import open_pair

    return len(open_pair(this_url(url), str(pair.other), "eden").plan().vectors)


def dry_run(pair: Pair, url: str) -> tuple[int, float]:
    from core.commit import commit_plan
    from core.session import load_policy, open_pair

    opened = open_pair(this_url(url), str(pair.other), "eden")
    planned = opened.plan(load_policy("replace"))
    start = time.perf_counter()
    report = commit_plan(planned, opened.this, dry_run=True)
    return len(report.images), time.perf_counter() - start
