"""Truce's own phases, each called through its public entry points.

A phase returns the rows it handled, or (rows, seconds) when only part of its work is
timed (a commit's plan is computed first, untimed).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from benchmarks.generate import Pair

MAPPING = "eden"
COMMIT_POLICY = "replace"  # creates and updates, OTHER wins: every change is written


def _plan(this: Path, other: Path, policy: str | None = None):  # noqa: ANN202 (Plan)
    from core.session import load_policy, open_pair

    pair = open_pair(str(this), str(other), MAPPING)
    return pair, pair.plan(load_policy(policy))


def _timed_plan(this: Path, other: Path) -> tuple[int, float]:
    """(vectors, seconds from opening the pair to the plan): the imports, ~0.3 s of
    SQLAlchemy and Truce at any size, are not timed, as no floor's are (see export_xml)."""
    import core.session  # noqa: F401 (imported before the clock starts)

    start = time.perf_counter()
    vectors = len(_plan(this, other)[1].vectors)
    return vectors, time.perf_counter() - start


def plan_db(pair: Pair) -> tuple[int, float]:
    return _timed_plan(pair.this, pair.other)


def plan_xml(pair: Pair) -> tuple[int, float]:
    return _timed_plan(pair.this, pair.other_xml)


def plan_json(pair: Pair) -> tuple[int, float]:
    return _timed_plan(pair.this, pair.other_json)


def _cli(args: list[str]) -> int:
    from core.cli import main

    with (
        open(os.devnull, "w") as null,
        contextlib.redirect_stdout(null),
        contextlib.redirect_stderr(null),
    ):
        code = main(args)
    if code not in (0, 1):
        raise RuntimeError(f"truce {' '.join(args)} exited {code}")
    return 0


def preview_text(pair: Pair) -> int:
    """`truce preview THIS OTHER` with its text summary."""
    return _cli(["preview", str(pair.this), str(pair.other), "--mapping", MAPPING])


def preview_json(pair: Pair) -> int:
    """`truce preview --json`: the whole plan document, to /dev/null."""
    return _cli(["preview", str(pair.this), str(pair.other), "--mapping", MAPPING, "--json"])


def _commit(pair: Pair, dry_run: bool) -> tuple[int, float]:
    from core.commit import commit_plan

    with tempfile.TemporaryDirectory(dir=pair.this.parent) as folder:
        copy = Path(folder) / "this.db"
        shutil.copyfile(pair.this, copy)
        opened, plan = _plan(copy, pair.other, COMMIT_POLICY)
        start = time.perf_counter()
        report = commit_plan(plan, opened.this, dry_run=dry_run)
        seconds = time.perf_counter() - start
        opened.this.engine.dispose()
        return len(report.images), seconds


def dry_run(pair: Pair) -> tuple[int, float]:
    return _commit(pair, dry_run=True)


def commit(pair: Pair) -> tuple[int, float]:
    return _commit(pair, dry_run=False)


def export_xml(pair: Pair) -> tuple[int, float]:
    """(records written, seconds from opening OTHER to the closed file): the imports,
    ~0.5 s of SQLAlchemy and Truce, are not timed, as no floor's are."""
    from core.export import export
    from core.mapping import load_mapping
    from core.sources.sql import SqlDataset

    with tempfile.TemporaryDirectory(dir=pair.other.parent) as folder:
        start = time.perf_counter()
        dataset = SqlDataset(pair.other, load_mapping(MAPPING), readonly=True)
        count = export(dataset, Path(folder) / "export.xml", "s3xml").count
        return count, time.perf_counter() - start
