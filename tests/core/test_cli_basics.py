"""The first CLI: preview and commit on the sample pair, exit codes, JSON document."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pair(sample_paths: dict[str, Path], tmp_path: Path) -> tuple[str, str]:
    this = tmp_path / "local.db"
    shutil.copy(sample_paths["local"], this)
    return str(this), str(sample_paths["incoming"])


def _json_plan(capsys: pytest.CaptureFixture[str], *args: str) -> dict:
    assert main(["preview", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def _all_vectors(doc: dict) -> list[dict]:
    found: list[dict] = []
    stack = list(doc["vectors"])
    while stack:
        vector = stack.pop()
        found.append(vector)
        stack.extend(vector["components"])
    return found


def test_preview_json_covers_every_case(pair, capsys):
    doc = _json_plan(capsys, *pair, "--policy", "replace-newer")
    assert doc["format"] == "truce-plan/1"
    actions = {v["action"] for v in _all_vectors(doc)}
    assert {"create", "update", "skip", "error"} <= actions
    assert doc["summary"]["counts"]["unchanged"] == len(doc["unchanged"]) + sum(
        1 for v in _all_vectors(doc) if v["action"] == "unchanged"
    )
    assert doc["summary"]["counts"]["blocked"] >= 1
    assert any(v["blocked"] for v in _all_vectors(doc))
    for vector in _all_vectors(doc):
        assert {
            "resource",
            "uuid",
            "method",
            "action",
            "reason",
            "strategy",
            "resolution",
            "default_resolution",
            "this_modified_on",
            "other_modified_on",
            "fields",
            "components",
        } <= set(vector)
        for field in vector["fields"]:
            assert {"name", "this", "other", "differs", "resolution", "winner", "result"} <= set(
                field
            )


def test_commit_then_preview_leaves_only_what_the_policy_skipped(pair, capsys):
    assert main(["commit", *pair, "--policy", "replace-newer", "--yes"]) == 0
    capsys.readouterr()
    doc = _json_plan(capsys, *pair, "--policy", "replace-newer")
    left = {v["action"] for v in _all_vectors(doc)}
    assert left <= {"skip", "error", "unchanged"}
    assert doc["summary"]["counts"].get("create", 0) == 0
    assert doc["summary"]["counts"].get("update", 0) == 0


def test_dry_run_writes_nothing(pair, capsys):
    before = Path(pair[0]).read_bytes()
    assert main(["commit", *pair, "--policy", "replace", "--dry-run"]) == 0
    assert "Dry run: would write" in capsys.readouterr().out
    assert Path(pair[0]).read_bytes() == before


def test_missing_file_is_bad_input_without_traceback(tmp_path, capsys):
    code = main(["preview", str(tmp_path / "nope.db"), str(tmp_path / "other.db")])
    err = capsys.readouterr().err
    assert code == 2
    assert "nope.db" in err and "Traceback" not in err


def test_unknown_preset_is_bad_input(pair, capsys):
    assert main(["preview", *pair, "--policy", "no-such-preset"]) == 2
    assert "no-such-preset" in capsys.readouterr().err


def test_commit_on_a_pipe_never_waits(pair):
    # stdin is a pipe with nothing in it: the command must finish without prompting.
    result = subprocess.run(
        [sys.executable, "-m", "core", "commit", *pair, "--policy", "replace"],
        cwd=REPO,
        input="",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "Commit these changes" not in result.stdout


def _without_place(doc: dict) -> dict:
    """The plan without places; fields OTHER sets to NULL left out: an S3XML/S3JSON export
    leaves NULL out (as Eden does), so the file says nothing where the database says NULL."""

    def strip(vector: dict) -> dict:
        vector.pop("place")
        vector["fields"] = [f for f in vector["fields"] if f["other"] is not None]
        for child in vector["components"]:
            strip(child)
        return vector

    doc.pop("other")
    doc["vectors"] = [strip(v) for v in doc["vectors"]]
    return doc


@pytest.mark.parametrize("form", ["incoming.xml", "incoming.json"])
def test_preview_of_file_form_equals_database_form(sample_paths, capsys, form):
    this = str(sample_paths["local"])
    from_db = _json_plan(capsys, this, str(sample_paths["incoming"]), "--policy", "replace-newer")
    from_file = _json_plan(
        capsys, this, str(sample_paths["incoming"].with_name(form)), "--policy", "replace-newer"
    )
    assert _without_place(from_file) == _without_place(from_db)


def test_export_msince_and_bad_msince(sample_paths, tmp_path, capsys):
    out = tmp_path / "since.xml"
    assert (
        main(
            [
                "export",
                str(sample_paths["local"]),
                "--msince",
                "2024-03-01T00:00:00Z",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    assert "muntil" in capsys.readouterr().out and out.exists()
    bad = tmp_path / "bad.xml"
    assert (
        main(["export", str(sample_paths["local"]), "--msince", "last week", "-o", str(bad)]) == 2
    )
    assert "last week" in capsys.readouterr().err and not bad.exists()
