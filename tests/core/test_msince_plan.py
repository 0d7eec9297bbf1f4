"""`preview --msince T` (docs/semantics.md, msince): only OTHER's records changed since T
enter the plan, by the export's rules, whatever form OTHER has."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import Databases
from test_export import A_NEW, A_OLD, L_OLD, L_PARENT, P_EDGE, P_NEW, P_OLD, P_UNDATED, _rows

from core.cli import main
from core.export import export, parse_msince
from core.matching import build_plan
from core.msince import ChangedSince
from core.session import open_other
from core.sources.sql import SqlDataset

T = "2024-05-02T00:00:00Z"  # after P_OLD, A_OLD and the locations; before A_NEW and P_NEW


def _identities(plan) -> set[str]:
    return {v.uuid for v in plan.vectors} | {u.uuid for u in plan.unchanged}


@pytest.mark.parametrize("form", ["database", "e.xml", "e.json"])
def test_only_what_changed_since_t_enters_the_plan(
    sqlite_dbs: Databases, tmp_path: Path, form: str
) -> None:
    other_target = sqlite_dbs.build(_rows())
    this = SqlDataset(sqlite_dbs.build({}))
    other_path = other_target
    if form != "database":
        database = SqlDataset(other_target, readonly=True)
        export(database, tmp_path / form, "s3xml" if form.endswith("xml") else "s3json")
        database.close()
        other_path = str(tmp_path / form)
    other = ChangedSince(open_other(other_path, this.mapping), parse_msince(T))
    plan = build_plan(this, other)
    # P_OLD comes as the master of A_NEW (and without A_OLD); L_OLD and L_PARENT because
    # P_NEW references them; P_UNDATED has no time and counts as changed.
    assert _identities(plan) == {P_OLD, A_NEW, P_NEW, L_OLD, L_PARENT, P_UNDATED}
    assert A_OLD not in _identities(plan) and P_EDGE not in _identities(plan)
    this.close()


def test_cli_msince_limits_the_plan_and_refuses_a_bad_time(
    sqlite_dbs: Databases, capsys: pytest.CaptureFixture[str]
) -> None:
    this, other = sqlite_dbs.build({}), sqlite_dbs.build(_rows())
    assert main(["preview", this, other, "--msince", T, "--json"]) == 0
    assert A_OLD not in capsys.readouterr().out
    assert main(["preview", this, other, "--json"]) == 0
    assert A_OLD in capsys.readouterr().out
    assert main(["preview", this, other, "--msince", "last tuesday"]) == 2
    assert "not an ISO 8601 timestamp" in capsys.readouterr().err
