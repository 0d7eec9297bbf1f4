"""The dry run's verdict: one true sentence first, then a table grouped by outcome."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.plan import Plan
from core.session import SAMPLE_OTHER, SAMPLE_THIS, Pair, open_pair
from core.verdict import counts_phrase, dry_run_verdict, target_name
from core.vocabulary import Resolution
from core.writability import probe_writable


@pytest.fixture
def this_copy(tmp_path: Path) -> Path:
    path = tmp_path / "local.db"
    shutil.copy(SAMPLE_THIS, path)
    return path


def opened(this_spec: str) -> tuple[Pair, Plan]:
    pair = open_pair(this_spec, SAMPLE_OTHER)
    return pair, pair.plan()


def test_a_writable_this_succeeds_with_the_counts(this_copy: Path):
    pair, plan = opened(str(this_copy))
    verdict = dry_run_verdict(plan, pair.this)
    assert verdict.succeeds
    assert verdict.headline == f"The commit will succeed: {counts_phrase(verdict.counts)}."
    assert verdict.counts["create"] == plan.counts()["create"] > 0
    assert verdict.target == str(this_copy.resolve())


def test_read_only_this_fails_and_says_why(this_copy: Path):
    # Tests run as root, for whom file permissions do not stop a write: SQLite's own
    # read-only open (?mode=ro) is what an immutable file or a read-only mount gives too.
    pair, plan = opened(f"sqlite:///file:{this_copy}?mode=ro&uri=true")
    verdict = dry_run_verdict(plan, pair.this)
    assert not verdict.succeeds
    assert verdict.headline.startswith("The commit will fail: THIS is read-only")
    creates = [r for r in verdict.rows if r.outcome == "create"]
    assert sum(r.count for r in creates) == plan.counts()["create"]


@pytest.fixture
def locked(this_copy: Path) -> Iterator[Path]:
    holder = sqlite3.connect(this_copy, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program's write lock
    try:
        yield this_copy
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_locked_this_fails_and_says_why(locked: Path):
    pair, plan = opened(str(locked))
    verdict = dry_run_verdict(plan, pair.this)
    assert not verdict.succeeds
    assert verdict.headline.startswith("The commit will fail: THIS is locked by another program")
    assert probe_writable(pair.this).problem == "locked"


def test_stale_this_fails_naming_the_records(this_copy: Path):
    pair, plan = opened(str(this_copy))
    vector = plan.get("pr_person", "urn:uuid:0c004d1e-ebef-4390-af74-2d156f141369")
    plan.set_field_resolution(vector, "last_name", Resolution.OTHER)  # now an update
    with sqlite3.connect(this_copy) as conn:
        conn.execute(
            f"UPDATE {vector.resource} SET modified_on = '2031-01-01 00:00:00' WHERE uuid = ?",
            (vector.uuid,),
        )
    verdict = dry_run_verdict(plan, pair.this)
    assert not verdict.succeeds
    assert "has changed since it was loaded" in verdict.headline
    assert vector.uuid in verdict.headline
    stale = [r for r in verdict.rows if r.outcome == "stale"]
    assert stale and stale[0].vectors[0] == vector.identity


def test_a_missing_file_fails_and_says_why(this_copy: Path):
    pair, plan = opened(str(this_copy))
    pair.this.engine.dispose()
    this_copy.unlink()
    verdict = dry_run_verdict(plan, pair.this)
    assert verdict.headline.startswith("The commit will fail: THIS's file")
    assert "is gone" in verdict.headline


def test_identical_records_are_one_row_with_a_count(this_copy: Path):
    pair, plan = opened(str(this_copy))
    verdict = dry_run_verdict(plan, pair.this)
    unchanged = [r for r in verdict.rows if r.outcome == "unchanged"]
    assert sum(r.count for r in unchanged) == plan.counts()["unchanged"]
    identical = [r for r in unchanged if r.reason.endswith("identical on both sides")]
    assert sum(r.count for r in identical) == len(plan.unchanged) > 3 * len(identical)
    assert all(r.vectors for r in verdict.rows)  # each row can jump to a vector


def test_target_names_the_full_path(this_copy: Path):
    pair, _ = opened(str(this_copy))
    assert target_name(pair.this) == str(this_copy.resolve())
