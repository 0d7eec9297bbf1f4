"""Plan computation against the raw-sqlite3 floor, on a generated person pair.

    .venv/bin/python benchmarks/plan_speed.py [N]

Prints wall time and peak memory of each approach, each in its own process, and the
ratio of Truce to the floor (a LEFT JOIN by uuid done inside SQLite). Numbers are only
comparable within one run on one machine.
"""

from __future__ import annotations

import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

SCHEMA = """CREATE TABLE person (id INTEGER PRIMARY KEY, uuid VARCHAR(64) NOT NULL UNIQUE,
 first_name VARCHAR(64) NOT NULL, last_name VARCHAR(64), gender INTEGER, comments TEXT,
 modified_on TIMESTAMP, created_on TIMESTAMP, deleted BOOLEAN NOT NULL DEFAULT 0, mci INTEGER)"""


def build(folder: Path, n: int) -> tuple[Path, Path]:
    rng = random.Random(7)
    this, other = folder / "this.db", folder / "other.db"
    rows = [
        (
            i,
            f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            f"First{i}",
            f"Last{i}",
            i % 3,
            None,
            "2024-01-01 10:00:00",
        )
        for i in range(n)
    ]
    for path, mutate in ((this, False), (other, True)):
        conn = sqlite3.connect(path)
        conn.execute(SCHEMA)
        data = [
            (
                r[0],
                r[1],
                r[2] + ("x" if mutate and r[0] % 6 == 0 else ""),
                r[3],
                r[4],
                r[5],
                "2024-02-01 10:00:00" if mutate and r[0] % 6 == 0 else r[6],
            )
            for r in rows
        ]
        conn.executemany(
            "INSERT INTO person (id, uuid, first_name, last_name, gender, comments,"
            " modified_on) VALUES (?,?,?,?,?,?,?)",
            data,
        )
        conn.commit()
        conn.close()
    return this, other


def floor(this: str, other: str) -> int:
    conn = sqlite3.connect(this)
    conn.execute("ATTACH DATABASE ? AS o", (other,))
    cur = conn.execute(
        "SELECT x.* FROM o.person AS x LEFT JOIN main.person t ON t.uuid = x.uuid "
        "WHERE t.id IS NULL OR t.first_name IS NOT x.first_name "
        "OR t.last_name IS NOT x.last_name OR t.gender IS NOT x.gender "
        "OR t.comments IS NOT x.comments"
    )
    return sum(1 for _ in cur)


def truce(this: str, other: str) -> int:
    from core.matching import build_plan
    from core.sources.sql import SqlDataset

    plan = build_plan(SqlDataset(this), SqlDataset(other, readonly=True))
    return len(plan.vectors)


def measure(kind: str, this: str, other: str) -> None:
    start = time.perf_counter()
    changed = {"floor": floor, "truce": truce}[kind](this, other)
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{elapsed:.3f} {peak:.0f} {changed}")


def run(kind: str, this: Path, other: Path) -> tuple[float, float, int]:
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(this), str(other)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env={"PYTHONPATH": root, "PATH": ""},
    ).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def main() -> None:
    if sys.argv[1:2] == ["--measure"]:
        measure(*sys.argv[2:5])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as folder:
        this, other = build(Path(folder), n)
        base_t, base_m, base_n = run("floor", this, other)
        ours_t, ours_m, ours_n = run("truce", this, other)
    print(f"{n} persons, {base_n} differ")
    print(f"floor (sqlite3 join inside SQLite): {base_t:.2f} s, peak {base_m:.0f} MB")
    print(
        f"truce build_plan:                  {ours_t:.2f} s, peak {ours_m:.0f} MB, {ours_n} vectors"
    )
    print(f"ratio: time x{ours_t / base_t:.1f}, memory x{ours_m / base_m:.1f}")


if __name__ == "__main__":
    main()
