"""A bulk change (a column override, its undo, a new policy) runs in event-loop slices:
the call that starts it returns to the event loop before it is done, decisions made
meanwhile wait their turn, and the end state (the plan and the list's arrays) is exactly
what the change made in one go; undo restores exactly what was there before."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from core import steps
from core.plan import Plan
from core.vocabulary import Resolution
from gui import plan_steps
from gui.main_window import MainWindow
from gui.vector_table import VectorTable

FIELD = ("pr_person", "comments")


@pytest.fixture
def slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """One vector per step and one step per slice: a sample plan of 300 vectors takes
    many slices, as a bulk change at a million vectors does with the real sizes."""
    monkeypatch.setattr(steps, "STEP", 1)
    monkeypatch.setattr(plan_steps, "BUDGET", 0.0)


def _state(plan: Plan) -> list[tuple[Any, ...]]:
    return [
        (
            dict(v.override_fields),
            v.override_strategy,
            v.override_default,
            v.strategy,
            v.resolution,
            v.default_resolution,
            v.action,
            v.reason,
            dict(v.blocked),
        )
        for v in plan.vectors
    ]


def _arrays_current(window: MainWindow) -> bool:
    """The list's arrays and counters equal those built afresh from the plan."""
    plan, table = window.plan, window.vectors.model.table
    assert plan is not None and table is not None
    fresh = VectorTable(plan)
    return (
        np.array_equal(table.action, fresh.action)
        and np.array_equal(table.unresolved, fresh.unresolved)
        and np.array_equal(table.skipped_deletion, fresh.skipped_deletion)
        and np.array_equal(table.counts, fresh.counts)
        and window.vectors.tab_counts() == window.vectors.model.counts()
    )


def _settled(qtbot, window: MainWindow) -> None:
    qtbot.waitUntil(lambda: not window.plan_steps.busy, timeout=30_000)


def test_a_bulk_override_runs_in_slices_and_undo_restores_exactly(
    qtbot, window: MainWindow, slices: None
):
    plan = window.plan
    assert plan is not None
    before = _state(plan)
    touched = plan.vectors_for_field(*FIELD)
    assert len(touched) > 2
    window.bulk_resolution(*FIELD, Resolution.OTHER, confirm=False)
    # Back in the event loop before the derivation is done: it was not run on the spot.
    assert window.plan_steps.busy
    assert not all(v.override_fields.get(FIELD[1]) is Resolution.OTHER for v in touched)
    _settled(qtbot, window)
    assert all(v.override_fields.get(FIELD[1]) is Resolution.OTHER for v in touched)
    after = _state(plan)
    assert plan.recompute() == set(), "the sliced derivation differs from a full one"
    assert _arrays_current(window)
    window.undo()
    assert window.plan_steps.busy
    _settled(qtbot, window)
    assert _state(plan) == before
    assert _arrays_current(window)
    window.redo()
    _settled(qtbot, window)
    assert _state(plan) == after


def test_decisions_made_while_a_bulk_change_runs_wait_their_turn(
    qtbot, window: MainWindow, slices: None
):
    plan = window.plan
    assert plan is not None
    before = _state(plan)
    window.bulk_resolution(*FIELD, Resolution.OTHER, confirm=False)
    window.apply_policy("replace-newer")  # tried on the plan as the bulk change leaves it
    window.bulk_resolution(*FIELD, Resolution.THIS, confirm=False)
    window.undo()  # queued behind everything above: undoes the second bulk change
    _settled(qtbot, window)
    assert plan.policy_name == "replace-newer"
    assert all(
        v.override_fields.get(FIELD[1]) is Resolution.OTHER for v in plan.vectors_for_field(*FIELD)
    )
    assert plan.recompute() == set()
    assert _arrays_current(window)
    window.undo()
    window.undo()
    _settled(qtbot, window)
    assert _state(plan) == before
    assert _arrays_current(window)


def test_a_new_policy_runs_in_slices(qtbot, window: MainWindow, slices: None):
    plan = window.plan
    assert plan is not None
    before = _state(plan)
    window.apply_policy("replace-newer")
    assert window.plan_steps.busy
    _settled(qtbot, window)
    assert plan.recompute() == set()
    assert _arrays_current(window)
    window.undo()
    _settled(qtbot, window)
    assert _state(plan) == before


def test_saving_decisions_waits_for_a_running_bulk_change(
    qtbot, window: MainWindow, slices: None, tmp_path
):
    window.bulk_resolution(*FIELD, Resolution.OTHER, confirm=False)
    assert window.actions_.decisions.save_as(str(tmp_path / "d.json"))
    assert not window.plan_steps.busy
    text = (tmp_path / "d.json").read_text("utf-8")
    plan = window.plan
    assert plan is not None
    assert text.count('"comments"') >= len(plan.vectors_for_field(*FIELD))
