"""Scripting options: --fail-on-conflict, --quiet, progress on a terminal only."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from core.cli import main
from core.console import ConsoleProgress
from core.session import load_policy, open_pair
from core.unresolved import undecided_fields, unresolved_conflicts
from core.vocabulary import Resolution

TIE = "urn:uuid:a4364b1b-8f6e-431c-b8e5-31bbd202242c"  # NEWER tie
THIS_NEWER = "urn:uuid:42f656ce-1132-4018-84c8-604112035cce"


@pytest.fixture
def pair(sample_paths: dict[str, Path], tmp_path: Path) -> tuple[str, str]:
    this = tmp_path / "local.db"
    shutil.copy(sample_paths["local"], this)
    return str(this), str(sample_paths["incoming"])


def test_unresolved_means_fallback_this_or_newer_tie(pair):
    fallback = open_pair(*pair).plan(load_policy(None))
    assert len(unresolved_conflicts(fallback)) == fallback.counts()["conflicts"]
    newer = open_pair(*pair).plan(load_policy("replace-newer"))
    unresolved = unresolved_conflicts(newer)
    assert newer.get("pr_person", TIE) in unresolved  # a tie: nobody chose
    assert newer.get("pr_person", THIS_NEWER) not in unresolved  # NEWER chose THIS
    assert all(v.method.value == "update" for v in unresolved)
    newer.set_default_resolution(newer.get("pr_person", TIE), Resolution.THIS)
    assert undecided_fields(newer.get("pr_person", TIE)) == []  # the operator chose
    assert unresolved_conflicts(open_pair(*pair).plan(load_policy("replace"))) == []


def test_fail_on_conflict_exit_codes(pair, capsys):
    assert main(["preview", *pair, "--fail-on-conflict", "-q"]) == 1
    assert "vector(s) with unresolved conflicts" in capsys.readouterr().err
    assert main(["preview", *pair, "--policy", "replace", "--fail-on-conflict", "-q"]) == 0
    assert main(["preview", *pair, "-q"]) == 0


def test_fail_on_conflict_commits_nothing(pair, capsys):
    before = Path(pair[0]).read_bytes()
    code = main(["commit", *pair, "--policy", "replace-newer", "--fail-on-conflict", "--yes"])
    assert code == 1
    assert "not committed" in capsys.readouterr().err
    assert Path(pair[0]).read_bytes() == before


def test_quiet_prints_nothing_but_errors(pair, capsys):
    assert main(["commit", *pair, "--policy", "replace", "--dry-run", "--quiet"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["preview", *pair, "--policy", "nope", "-q"]) == 2
    assert capsys.readouterr().err.startswith("truce: ")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal():
    quiet = io.StringIO()
    progress = ConsoleProgress(quiet)
    progress.set_total(3, "reading OTHER")
    progress.finish()
    assert quiet.getvalue() == ""
    terminal = _Terminal()
    progress = ConsoleProgress(terminal)
    progress.set_total(3, "reading OTHER")
    progress.advance(3)
    progress.finish()
    assert "\rreading OTHER: 0/3" in terminal.getvalue()
    assert terminal.getvalue().endswith("\r")
