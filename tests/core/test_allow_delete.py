"""Deletions by choice (docs/semantics.md, Strategy and Policy): `--allow-delete` adds
delete to the policy in force, the `eden` preset, and the hint when deletions are skipped."""

from __future__ import annotations

import pytest
from builders import Databases, at, urn

from core.cli import main
from core.policy import allow_deletions, preset, skipped_deletions
from core.session import load_policy
from core.vocabulary import Action, Method, Resolution

P1, P2 = urn(1), urn(2)


def _pair(sqlite_dbs: Databases):
    this = {
        "person": [
            {"uuid": P1, "name": "Ann", "modified_on": at(0)},
            {"uuid": P2, "name": "Bob", "modified_on": at(0)},
        ]
    }
    other = {
        "person": [
            {"uuid": P1, "name": "Ann", "modified_on": at(2), "deleted": True},
            {"uuid": P2, "name": "Robert", "modified_on": at(3)},
        ]
    }
    return sqlite_dbs.pair(this, other)


def test_the_fallback_skips_deletions_and_counts_them(sqlite_dbs: Databases) -> None:
    plan = _pair(sqlite_dbs).plan()
    assert plan.get("person", P1).action is Action.SKIP
    assert skipped_deletions(plan.vectors) == 1


@pytest.mark.parametrize(
    "name,update_result",
    [("fallback", "Bob"), ("replace-newer", "Robert"), ("replace", "Robert")],
)
def test_allow_delete_adds_delete_and_keeps_the_rest_of_the_policy(
    sqlite_dbs: Databases, name: str, update_result: str
) -> None:
    plan = _pair(sqlite_dbs).plan(allow_deletions(load_policy(name)))
    deleted = plan.get("person", P1)
    assert deleted.action is Action.DELETE and Method.DELETE in deleted.strategy
    updated = plan.get("person", P2)
    assert updated.action is (Action.UPDATE if update_result == "Robert" else Action.UNCHANGED)
    assert skipped_deletions(plan.vectors) == 0


def test_allow_delete_leaves_an_empty_strategy_empty(sqlite_dbs: Databases) -> None:
    plan = _pair(sqlite_dbs).plan(allow_deletions(preset("no-sync")))
    assert {v.action for v in plan.vectors} == {Action.SKIP}


def test_the_eden_preset_creates_updates_and_deletes_by_newer(sqlite_dbs: Databases) -> None:
    plan = _pair(sqlite_dbs).plan("eden")
    assert plan.get("person", P1).action is Action.DELETE
    person = plan.get("person", P2)
    assert person.strategy == (Method.CREATE, Method.UPDATE, Method.DELETE)
    assert person.resolution is Resolution.NEWER and person.action is Action.UPDATE


def test_commit_says_how_many_deletions_it_skipped_and_how_to_allow_them(
    sqlite_dbs: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = _pair(sqlite_dbs)
    assert main(["commit", pair.this_target, pair.other_target, "--yes"]) == 0
    out = capsys.readouterr().out
    assert "1 deletion(s) skipped" in out and "--allow-delete" in out
    assert not pair.rows("person")[P1]["deleted"]


def test_commit_with_allow_delete_deletes(
    sqlite_dbs: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = _pair(sqlite_dbs)
    args = ["commit", pair.this_target, pair.other_target, "--yes", "--allow-delete"]
    assert main(args) == 0
    assert "deletion(s) skipped" not in capsys.readouterr().out
    assert pair.rows("person")[P1]["deleted"] in (True, 1)
