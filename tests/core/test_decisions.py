"""Decisions files (docs/semantics.md, Overrides): save in one process, apply in another; stale and
missing."""

from __future__ import annotations

import inspect
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from core.cli import main
from core.decisions import DecisionsError, apply_decisions, save_decisions
from core.plan import Plan
from core.planjson import vector_document
from core.session import load_policy, open_pair
from core.vocabulary import Method, Resolution

REPO = Path(__file__).resolve().parents[2]
THIS_NEWER = "urn:uuid:42f656ce-1132-4018-84c8-604112035cce"  # edited in both, THIS newer
TIE = "urn:uuid:a4364b1b-8f6e-431c-b8e5-31bbd202242c"  # NEWER tie
OTHER_ONLY = "urn:uuid:7ec6a4c9-68af-4ce9-b54e-677fefbb2bec"  # edited in OTHER only
CREATED = "urn:uuid:60db423a-8d67-4352-bbd6-cacd38824546"


def _override(plan: Plan) -> None:
    """The operator's session: a field, a default, a strategy and a skip."""
    plan.set_field_resolution(plan.get("pr_person", THIS_NEWER), "comments", Resolution.OTHER)
    plan.set_default_resolution(plan.get("pr_person", TIE), Resolution.OTHER)
    plan.set_strategy(plan.get("pr_person", OTHER_ONLY), [])
    plan.set_strategy(plan.get("pr_person", CREATED), [Method.UPDATE])


_SAVE_SCRIPT = """
from __future__ import annotations
import sys
sys.path.insert(0, {repo!r})
from core.session import open_pair, load_policy
from core.decisions import save_decisions
from core.vocabulary import Method, Resolution
{constants}
{override}
plan = open_pair({this!r}, {other!r}).plan(load_policy("replace-newer"))
_override(plan)
save_decisions(plan, {out!r})
"""


@pytest.fixture
def pair(sample_paths: dict[str, Path], tmp_path: Path) -> tuple[Path, Path]:
    this = tmp_path / "local.db"
    shutil.copy(sample_paths["local"], this)
    return this, sample_paths["incoming"]


def _plan(pair: tuple[Path, Path]) -> Plan:
    return open_pair(*pair).plan(load_policy("replace-newer"))


def _documents(plan: Plan) -> dict:
    return {v.identity: vector_document(plan, v) for v in plan.vectors}


def _save_in_another_process(pair: tuple[Path, Path], out: Path) -> None:
    constants = "\n".join(
        f"{n} = {globals()[n]!r}" for n in ("THIS_NEWER", "TIE", "OTHER_ONLY", "CREATED")
    )
    script = _SAVE_SCRIPT.format(
        repo=str(REPO),
        this=str(pair[0]),
        other=str(pair[1]),
        out=str(out),
        constants=constants,
        override=inspect.getsource(_override),
    )
    subprocess.run([sys.executable, "-c", script], check=True, cwd=REPO)


def test_round_trip_across_processes_equals_overriding_directly(pair, tmp_path):
    path = tmp_path / "d.json"
    _save_in_another_process(pair, path)
    document = json.loads(path.read_text())
    assert document["format"] == "truce-decisions/1"
    assert set(document["sources"]) == {"this", "other"}
    assert len(document["decisions"]) == 4

    applied = _plan(pair)
    report = apply_decisions(applied, path)
    assert (report.applied, report.stale, report.missing) == (4, [], [])
    direct = _plan(pair)
    _override(direct)
    assert _documents(applied) == _documents(direct)
    assert applied.counts() == direct.counts()


def test_changed_record_is_stale_and_skipped(pair, tmp_path):
    path = tmp_path / "d.json"
    plan = _plan(pair)
    _override(plan)
    save_decisions(plan, path)
    with sqlite3.connect(pair[0]) as conn:  # someone edits one decided record in THIS
        conn.execute(
            "UPDATE pr_person SET comments = 'edited meanwhile' WHERE uuid = ?", (THIS_NEWER,)
        )
    later = _plan(pair)
    report = apply_decisions(later, path)
    assert report.applied == 3 and report.missing == []
    assert len(report.stale) == 1 and THIS_NEWER in report.stale[0]
    assert "THIS record changed" in report.stale[0]
    assert later.get("pr_person", THIS_NEWER).override_fields == {}
    assert later.get("pr_person", TIE).override_default is Resolution.OTHER


def test_decision_for_a_vector_no_longer_planned_is_missing(pair, tmp_path):
    path = tmp_path / "d.json"
    plan = _plan(pair)
    _override(plan)
    save_decisions(plan, path)
    document = json.loads(path.read_text())
    document["decisions"][0]["uuid"] = "urn:uuid:00000000-0000-4000-8000-000000000000"
    path.write_text(json.dumps(document))
    report = apply_decisions(_plan(pair), path)
    assert report.applied == 3 and len(report.missing) == 1


def test_bad_decisions_files(pair, tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"format": "truce-decisions/1",\n "decisions": [}')
    with pytest.raises(DecisionsError, match=r"d\.json, line 2, column 16"):
        apply_decisions(_plan(pair), path)
    path.write_text('{"format": "truce-plan/1"}')
    with pytest.raises(DecisionsError, match="not a truce-decisions/1"):
        apply_decisions(_plan(pair), path)
    path.write_text('{"format": "truce-decisions/1", "decisions": [{"resource": "x"}]}')
    with pytest.raises(DecisionsError, match=r"/decisions/0: missing key"):
        apply_decisions(_plan(pair), path)


def test_cli_commit_with_decisions(pair, tmp_path, capsys):
    path = tmp_path / "d.json"
    plan = _plan(pair)
    _override(plan)
    save_decisions(plan, path)
    code = main(
        [
            "commit",
            str(pair[0]),
            str(pair[1]),
            "--policy",
            "replace-newer",
            "--decisions",
            str(path),
            "--yes",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "4 decision(s) applied, 0 stale" in captured.err
    with sqlite3.connect(pair[0]) as conn:
        kept = conn.execute(
            "SELECT comments FROM pr_person WHERE uuid = ?", (THIS_NEWER,)
        ).fetchone()[0]
    assert kept == plan.get("pr_person", THIS_NEWER).other_values["comments"]
    assert (
        main(["preview", str(pair[0]), str(pair[1]), "--decisions", str(tmp_path / "none.json")])
        == 2
    )


def test_source_digests_tell_whether_a_source_changed(pair):
    """Same sources, same digests (whatever order the records come in); a THIS record
    touched while still identical to OTHER's, or a differing value, changes THIS's only."""
    from core.decisions import source_fingerprints

    first = source_fingerprints(_plan(pair))
    plan = _plan(pair)
    plan.vectors.reverse()
    assert source_fingerprints(plan) == first
    assert first["this"]["records"] == len(plan.vectors) + len(plan.unchanged)
    unchanged = next(iter(plan.unchanged))
    with sqlite3.connect(pair[0]) as conn:
        table = unchanged.resource
        conn.execute(
            f"UPDATE {table} SET modified_on = '2031-01-01 00:00:00' WHERE uuid = ?",
            (unchanged.uuid,),
        )
    touched = source_fingerprints(_plan(pair))
    assert touched["this"]["digest"] != first["this"]["digest"]
    assert touched["other"] == first["other"]
    with sqlite3.connect(pair[0]) as conn:
        conn.execute("UPDATE pr_person SET comments = 'changed' WHERE uuid = ?", (THIS_NEWER,))
    changed = source_fingerprints(_plan(pair))
    assert changed["this"]["digest"] not in (first["this"]["digest"], touched["this"]["digest"])
    assert changed["other"] == first["other"]
