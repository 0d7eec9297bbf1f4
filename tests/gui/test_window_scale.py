"""What keeps the window answering at a million vectors, as behaviour: a decision, F8,
the counters and a bulk override read the list's arrays and the plan's change sets,
never a pass over every vector; the search finds what a plain substring test finds."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from PySide6.QtCore import Qt

from core.policy import skipped_deletions
from core.session import open_pair
from core.unresolved import unresolved_conflicts
from core.vocabulary import Resolution
from gui.main_window import MainWindow
from gui.vector_search import SearchText, _searchable
from tests.conftest import SAMPLES_DIR
from tests.gui.test_gui_flow import CONFLICT, select_vector


class _CountingList(list):  # type: ignore[type-arg]
    """The plan's vectors, counting every pass over all of them while `counting`."""

    counting = False
    passes = 0

    def __iter__(self) -> Iterator[object]:
        if _CountingList.counting:
            _CountingList.passes += 1
        return super().__iter__()


@contextmanager
def _no_pass_over_the_plan(window: MainWindow) -> Iterator[None]:
    plan = window.plan
    assert plan is not None
    plan.vectors = _CountingList(plan.vectors)
    _CountingList.counting, _CountingList.passes = True, 0
    try:
        yield
    finally:
        _CountingList.counting = False
    assert _CountingList.passes == 0, "a decision passed over every vector of the plan"


def _matches_core(window: MainWindow) -> bool:
    plan = window.plan
    assert plan is not None
    left = len(unresolved_conflicts(plan))
    total = sum(1 for v in plan.vectors if v.conflicts)
    counted = window.unresolved.text() == f"Unresolved {left} of {total}"
    return counted and window.deletions.hint.text().startswith(
        f"{skipped_deletions(plan.vectors)} deletion"
    )


def test_decisions_and_f8_touch_only_their_change_set(qtbot, window: MainWindow):
    window.auto_advance = False
    vector = select_vector(window, CONFLICT)
    others = [v for v in window.plan.vectors if v is not vector][:2]
    with _no_pass_over_the_plan(window):
        window.set_resolution(["last_name"], Resolution.OTHER)
        window.keys.step(+1)
        window.keys.step(-1)
        window.set_defaults(others, Resolution.OTHER)
        window.set_strategies(others, ())
        window.bulk_resolution("pr_person", "comments", Resolution.OTHER, confirm=False)
        window.undo()
        window.undo()
        window.redo()
    assert _matches_core(window)
    while window.undo_stack.canUndo():
        window.undo()
        assert _matches_core(window)


def test_f8_lands_on_the_next_unresolved_vector_in_the_shown_order(qtbot, window: MainWindow):
    plan = window.plan
    assert plan is not None
    window.vectors.model.sort(1, Qt.SortOrder.DescendingOrder)
    shown = [e for e in window.vectors.model.visible_entries() if e >= 0]
    unresolved = [e for e in shown if e in {plan.position(v) for v in unresolved_conflicts(plan)}]
    assert len(unresolved) >= 2
    window.vectors.select_entry(unresolved[0])
    assert window.keys.step(+1)
    assert window.vectors.current_entry() == unresolved[1]
    assert window.keys.step(-1) and window.keys.step(-1)  # back, then around the end
    assert window.vectors.current_entry() == unresolved[-1]


@pytest.mark.parametrize("needle", ["", "field", "urn:uuid:0c", "pr_", "a", "zzz-none", "1"])
def test_search_finds_what_a_substring_test_finds(needle: str):
    plan = open_pair(SAMPLES_DIR / "local.db", SAMPLES_DIR / "incoming.db").plan()
    text = SearchText(plan)
    while not text.build_step(7):  # in small idle steps, as the window builds it
        pass
    expected = [needle in _searchable(v) for v in plan.vectors]
    assert text.mask(needle).tolist() == expected


def test_a_load_builds_with_the_collector_paused_and_frees_a_replaced_plan(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
):
    """A full collection during a load holds the GIL for as long as it scans the heap:
    the build runs without one; the plan a reload replaces is still freed."""
    import gui.window_sources as window_sources

    seen: list[bool] = []
    original = window_sources.loader

    def recording_loader(sources):  # type: ignore[no-untyped-def]
        work = original(sources)

        def run(progress):  # type: ignore[no-untyped-def]
            seen.append(gc.isenabled())
            return work(progress)

        return run

    monkeypatch.setattr(window_sources, "loader", recording_loader)
    old = weakref.ref(window.plan)
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.reload(keep=False)
    assert seen == [False] and gc.isenabled()
    qtbot.waitUntil(lambda: old() is None)


def test_selecting_a_row_in_sight_keeps_the_list_where_it_is(qtbot, window: MainWindow):
    """Only the rows whose selection changed repaint; a row out of sight is centred."""
    window.show()
    qtbot.waitExposed(window)
    view, model = window.vectors.view, window.vectors.model
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0, "the sample lists more rows than fit"
    low = view.rowAt(view.viewport().height() - 1) - 1  # the last row fully in sight
    assert low > 2
    window.vectors.select_entry(model.entry_at(low))
    assert bar.value() == 0 and view.currentIndex().row() == low
    far = model.rowCount() - 1
    window.vectors.select_entry(model.entry_at(far))
    assert bar.value() > 0 and view.currentIndex().row() == far


def test_the_first_view_built_on_the_worker_is_the_one_the_list_computes(window: MainWindow):
    model = window.vectors.model
    adopted = (model.shown().copy(), model.rows_of(np.arange(model.table.size)).copy())
    rows, row_of = model._compute()
    assert np.array_equal(adopted[0], rows) and np.array_equal(adopted[1], row_of)
    assert len(rows) == len(window.plan.vectors) + len(window.plan.unchanged)
