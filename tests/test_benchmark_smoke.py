"""benchmarks/run.py keeps running: a tiny pair through the core phases and their floors.

No timing is asserted (speed belongs in the benchmark's own output); this only checks
that every phase runs, the table prints ratios, and the JSON document is complete.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PHASES = (
    "floor_sqlite_join,plan_db,floor_parse_xml,plan_xml,floor_commit,commit,"
    "floor_write_xml,export_xml"
)


def _run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, dict]:
    out = tmp_path / "results.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), *args]
        + ["--cache", str(tmp_path / "cache"), "--json", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text("utf-8"))


def test_benchmark_runs_core_phases_and_prints_ratios(tmp_path: Path) -> None:
    done, document = _run(tmp_path, "--size", "200", "--phases", PHASES)
    failed = {k: v["error"] for k, v in document["results"].items() if "error" in v}
    assert not failed
    assert set(document["results"]) == set(PHASES.split(","))
    labels = {row["phase"]: row for row in document["comparisons"]}
    for label in ("plan DB↔DB", "plan DB↔S3XML", "commit (rows/s)", "export S3XML (rows/s)"):
        assert labels[label]["ratio"] is not None
        assert f"| {label} |" in done.stdout
    assert labels["commit (rows/s)"]["truce_rows"] > 0
    # The generated S3XML carries the same differences as OTHER's database.
    assert document["results"]["plan_db"]["rows"] == document["results"]["plan_xml"]["rows"] > 0
    assert "×" in done.stdout


@pytest.mark.pg
def test_benchmark_runs_with_this_on_postgresql(tmp_path: Path, fresh_pg_url: str) -> None:
    done, document = _run(tmp_path, "--size", "50", "--phases", "plan_db", "--pg", fresh_pg_url)
    failed = {k: v["error"] for k, v in document["results"].items() if "error" in v}
    assert not failed
    # THIS on the server plans the same vectors as THIS in SQLite.
    assert document["results"]["plan_pg"]["rows"] == document["results"]["plan_db"]["rows"] > 0
    assert "| PostgreSQL THIS: plan |" in done.stdout
