"""A value the person types for a field: an override like the others (docs/semantics.md,
Overrides) — it decides the field, is written by a commit, journaled and reverted, saved in
decisions files and shown as "edited" in the plan document and reports."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from builders import Databases, at, uid, urn

from core.commit import commit_plan
from core.decisions import DecisionsError, apply_decisions, save_decisions
from core.edits import parse_edited_value
from core.plan import Edited, Plan
from core.planjson import vector_document
from core.reports.csv import write_csv
from core.revert import revert_commit
from core.unresolved import undecided_fields
from core.vectors import changed_fields, field_outcome
from core.vocabulary import Action, Side


def person(n: int, name: str, hours: float, **values: Any) -> dict[str, Any]:
    return {"uuid": uid(n), "name": name, "modified_on": at(hours), **values}


def _pair(dbs: Databases):
    this = {"person": [person(1, "Ana", 0, age=30), person(2, "Ben", 0, age=40)]}
    other = {"person": [person(1, "Anna", 1, age=31), person(2, "Ben", 0, age=40)]}
    return dbs.pair(this, other)


def _typed(plan: Plan, name: str, text: str) -> Edited:
    return Edited(parse_edited_value(plan.schema.resources["person"], name, text))


def test_typed_value_decides_the_field_and_is_committed(dbs: Databases) -> None:
    pair = _pair(dbs)
    plan = pair.plan()
    vector = plan.get("person", urn(1))
    assert vector is not None and undecided_fields(vector) == ["name", "age"]
    before, changed = plan.set_field_value(vector, "name", _typed(plan, "name", "Ana Maria"))
    assert before is None and plan.position(vector) in changed
    outcome = field_outcome(vector, "name")
    assert (outcome.winner, outcome.result, outcome.edited) == (Side.EDITED, "Ana Maria", True)
    assert vector.action is Action.UPDATE
    assert changed_fields(vector) == {"name": "Ana Maria"}
    assert undecided_fields(vector) == ["age"]

    report = commit_plan(plan, pair.this)
    row = pair.rows("person")[urn(1)]
    assert (row["name"], row["age"]) == ("Ana Maria", 30)
    assert report.journal_id is not None
    revert_commit(pair.this, report.journal_id)
    row = pair.rows("person")[urn(1)]
    assert (row["name"], row["age"]) == ("Ana", 30)


def test_a_value_typed_for_a_field_both_sides_agree_on_is_written(dbs: Databases) -> None:
    pair = _pair(dbs)
    plan = pair.plan()
    vector = plan.get("person", urn(1))
    assert vector is not None
    plan.set_field_value(vector, "age", _typed(plan, "age", "32"))
    plan.set_field_resolution(vector, "name", None)
    assert changed_fields(vector) == {"age": 32}
    commit_plan(plan, pair.this)
    assert pair.rows("person")[urn(1)]["age"] == 32


def test_clearing_restores_the_resolution_and_previous_value_is_returned(dbs: Databases) -> None:
    pair = _pair(dbs)
    plan = pair.plan()
    vector = plan.get("person", urn(1))
    assert vector is not None
    plan.set_field_value(vector, "name", Edited("First"))
    previous, _ = plan.set_field_value(vector, "name", Edited(None))
    assert previous == Edited("First")
    assert field_outcome(vector, "name").result is None  # typed NULL, not "no edit"
    previous, _ = plan.set_field_value(vector, "name", None)
    assert previous == Edited(None)
    assert vector.edited is None and vector.action is Action.UNCHANGED
    assert field_outcome(vector, "name").winner is Side.THIS


def test_only_fields_of_an_update_take_typed_values(dbs: Databases) -> None:
    pair = dbs.pair({}, {"person": [person(3, "Cy", 0)]})
    plan = pair.plan()
    created = plan.get("person", urn(3))
    assert created is not None and created.action is Action.CREATE
    with pytest.raises(ValueError, match="cannot take a typed value"):
        plan.set_field_value(created, "name", Edited("Cyrus"))


def test_decisions_file_round_trips_typed_values(dbs: Databases, tmp_path) -> None:
    pair = _pair(dbs)
    plan = pair.plan()
    vector = plan.get("person", urn(1))
    assert vector is not None
    plan.set_field_value(vector, "age", _typed(plan, "age", "33"))
    plan.set_field_value(vector, "name", Edited(" "))
    path = tmp_path / "decisions.json"
    save_decisions(plan, path)
    saved = json.loads(path.read_text())["decisions"][0]["edited_values"]
    assert saved == {"age": 33, "name": " "}

    fresh = pair.plan()
    report = apply_decisions(fresh, path)
    again = fresh.get("person", urn(1))
    assert report.applied == 1 and again is not None
    assert again.edited == {"age": 33, "name": " "}
    assert changed_fields(again) == {"age": 33, "name": " "}


def test_decisions_file_with_a_bad_typed_value_is_refused(dbs: Databases, tmp_path) -> None:
    pair = _pair(dbs)
    plan = pair.plan()
    vector = plan.get("person", urn(1))
    assert vector is not None
    plan.set_field_value(vector, "age", Edited(33))
    path = tmp_path / "decisions.json"
    save_decisions(plan, path)
    document = json.loads(path.read_text())
    document["decisions"][0]["edited_values"]["age"] = "thirty"
    path.write_text(json.dumps(document))
    with pytest.raises(DecisionsError, match=r"/decisions/0/edited_values: person.age"):
        apply_decisions(pair.plan(), path)


def test_plan_document_and_csv_report_say_edited(dbs: Databases) -> None:
    pair = _pair(dbs)
    plan = pair.plan()
    vector = plan.get("person", urn(1))
    assert vector is not None
    plan.set_field_value(vector, "name", Edited("Ana Maria"))
    document = vector_document(plan, vector)
    assert document["overrides"]["values"] == {"name": "Ana Maria"}
    name_field = next(f for f in document["fields"] if f["name"] == "name")
    assert (name_field["winner"], name_field["edited"], name_field["result"]) == (
        "edited",
        True,
        "Ana Maria",
    )
    out = io.StringIO()
    write_csv(plan, out)
    rows = [line for line in out.getvalue().splitlines() if ",name," in line]
    assert rows and "edited" in rows[0] and "Ana Maria" in rows[0]
