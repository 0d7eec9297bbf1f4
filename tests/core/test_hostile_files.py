"""Hostile text and side files: terminal controls from OTHER, policy typos, non-UTF-8 and
deeply nested policy/mapping/decisions files, a tampered journal — each a clear message
naming the file, exit 2, never exit 1 or raw control characters on the terminal."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from builders import at, create_database, urn

from core.cli import main

P1, P2 = urn(1), urn(2)
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    this = tmp_path / "this.sqlite"
    engine = sa.create_engine(f"sqlite:///{this}")
    create_database(
        engine, {"person": [{"uuid": P1, "name": "Ann", "age": 3, "modified_on": at(-1000)}]}
    )
    engine.dispose()
    other = tmp_path / "other.json"
    people = [
        {"@uuid": P1, "@modified_on": "2025-01-01T00:00:00Z", "name": "Ann", "age": 4},
        {"@uuid": P2, "@modified_on": "2025-01-01T00:00:00Z", "name": "Bob", "age": 5},
    ]
    other.write_text(json.dumps({"$_person": people}))
    return str(this), str(other)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_terminal_controls_from_other_are_never_printed_raw(
    tmp_path: Path, pair, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: a label with ESC/BEL from OTHER was printed raw to the terminal."""
    hostile = "\x1b]0;owned\x07\x1b[2J\x9b31m\u202e"
    people = [
        {"@uuid": P2, "name": "Bob" + hostile, "age": "x" + hostile, "shoe" + hostile: 1},
        {"@uuid": "bad" + hostile, "@modified_on": "soon" + hostile, "name": "C"},
    ]
    other = tmp_path / "hostile.json"
    other.write_text(json.dumps({"$_person": people}))
    for command in (["preview"], ["commit", "--yes"], ["commit", "--dry-run"]):
        code, out, err = _run(capsys, command[0], pair[0], str(other), *command[1:])
        assert code in (0, 3), err
        for text in (out, err):
            assert not any(c in text for c in "\x1b\x07\x9b\u202e"), repr(text)
        assert "Bob\\x1b]0;owned\\x07" in out


def test_controls_in_an_error_message_are_escaped(
    tmp_path: Path, pair, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "bad.xml"
    other.write_text("<s3xml>\n<resource name='person' uuid='\x1b'/></s3xml>", encoding="latin-1")
    code, _, err = _run(capsys, "preview", pair[0], str(other))
    assert code == 2 and "\x1b" not in err and "bad.xml: line 2" in err


@pytest.mark.parametrize(
    "text, key",
    [
        ('[resources.pr_persn]\nresolution = "other"\n', "line 1, key resources.pr_persn: THIS"),
        (
            '[resources.person]\nresolution = { agee = "other" }\n',
            "line 2, key resources.person.resolution.agee: person has no such field",
        ),
        (
            '[default]\nresolution = { nmae = "other" }\n',
            "line 2, key default.resolution.nmae: no resource of THIS has this field",
        ),
    ],
)
def test_a_toml_policy_typo_in_a_name_is_an_error_naming_file_and_key(
    tmp_path: Path, pair, capsys: pytest.CaptureFixture[str], text: str, key: str
) -> None:
    """Before: a resource or field THIS does not have was accepted silently."""
    policy = tmp_path / "p.toml"
    policy.write_text(text)
    code, _, err = _run(capsys, "preview", *pair, "--policy", str(policy))
    assert code == 2
    assert f"{policy}, {key}" in err


def test_a_toml_policy_naming_real_fields_is_accepted(
    tmp_path: Path, pair, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('[default]\nresolution = { age = "other" }\n[resources.person]\n')
    assert _run(capsys, "preview", *pair, "--policy", str(policy))[0] == 0


@pytest.mark.parametrize("option, name", [("--policy", "p.toml"), ("--policy", "p.py")])
def test_a_non_utf8_policy_file_is_named(
    tmp_path: Path, pair, capsys: pytest.CaptureFixture[str], option: str, name: str
) -> None:
    path = tmp_path / name
    path.write_bytes(b"# ok\nresolution = '\xff'\n")
    code, _, err = _run(capsys, "preview", *pair, option, str(path))
    assert code == 2
    assert f"{path}, line 2: not UTF-8 text" in err


def test_a_non_utf8_decisions_or_mapping_file_is_named(
    tmp_path: Path, pair, capsys: pytest.CaptureFixture[str]
) -> None:
    decisions = tmp_path / "d.json"
    decisions.write_bytes(b'{"format": "\xff"}')
    code, _, err = _run(capsys, "preview", *pair, "--decisions", str(decisions))
    assert code == 2 and f"{decisions}, line 1: not UTF-8 text" in err
    mapping = tmp_path / "m.toml"
    mapping.write_bytes(b"x = '\xff'\n")
    code, _, err = _run(capsys, "preview", *pair, "--mapping", str(mapping))
    assert code == 2 and f"{mapping}: not UTF-8 text" in err


@pytest.mark.parametrize("option", ["--policy", "--mapping", "--decisions"])
def test_deeply_nested_files_exit_2_with_a_message(
    tmp_path: Path, pair, capsys: pytest.CaptureFixture[str], option: str
) -> None:
    """Before: a deeply nested TOML file was an internal error (exit 1)."""
    if option == "--decisions":
        path = tmp_path / "d.json"
        path.write_text("[" * 100_000 + "]" * 100_000)
    else:
        path = tmp_path / "deep.toml"
        path.write_text("x = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = _run(capsys, "preview", *pair, option, str(path))
    assert code == 2, err
    assert str(path) in err and "internal error" not in err


@pytest.mark.parametrize(
    "column, value",
    [
        ("after", "{bad"),
        ("after", "[1, 2]"),
        ("after", '"text"'),
        ("after", '{"name": {"$date": 5}}'),
        ("record_key", "{"),
    ],
)
def test_a_tampered_journal_exits_2_naming_the_row(
    pair, capsys: pytest.CaptureFixture[str], column: str, value: str
) -> None:
    """Before: a journal image that is valid JSON of the wrong shape was exit 1."""
    assert _run(capsys, "commit", *pair, "--policy", "replace", "--yes")[0] == 0
    with sqlite3.connect(pair[0]) as conn:
        conn.execute(f"UPDATE truce_journal_image SET {column} = ?", (value,))
    code, _, err = _run(capsys, "revert", pair[0], "1", "--yes")
    assert code == 2, err
    assert "truce_journal_image row id=1 (commit 1, person urn:uuid:" in err
    assert "is damaged" in err


def test_a_tampered_journal_list_exits_2(pair, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "commit", *pair, "--policy", "replace", "--yes")[0] == 0
    with sqlite3.connect(pair[0]) as conn:
        conn.execute("UPDATE truce_journal SET counts = '[1'")
    code, _, err = _run(capsys, "journal", pair[0])
    assert code == 2 and "truce_journal row id=1 is damaged" in err


def test_the_plan_json_is_utf8_whatever_the_locale(tmp_path: Path, pair) -> None:
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"$_person": [{"@uuid": P2, "name": "Zoë 東京"}]}))
    result = subprocess.run(
        [sys.executable, "-m", "core", "preview", pair[0], str(other), "--json"],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "ascii"},
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout.decode("utf-8"))
    assert document["vectors"][0]["label"] == "Zoë 東京"


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_locked_this_is_one_clear_problem(
    pair, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    """Before: a THIS locked by another writer listed one "database is locked" per vector."""
    other = Path(pair[1])
    people = [{"@uuid": urn(n), "name": f"P{n}"} for n in range(10, 60)]
    other.write_text(json.dumps({"$_person": people}))
    blocker = sqlite3.connect(pair[0], isolation_level=None, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        flag = "--dry-run" if dry_run else "--yes"
        code, out, err = _run(capsys, "commit", *pair, "--policy", "replace", flag)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert code in (2, 3), err
    assert (out + err).count("database is locked") == 1, out + err
