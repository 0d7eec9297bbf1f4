"""Selecting many vectors in the list: one choice for all of them is one undo step; the
list sorts from its header; sources cannot change while THIS is written."""

from __future__ import annotations

import threading

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtTest import QTest

import core.matching
from core.progress import Cancelled
from core.vocabulary import Action
from gui.main_window import MainWindow
from gui.theme import Theme
from gui.vector_model import COLUMNS, Filter
from gui.vector_panel import VectorPanel
from tests.gui.test_gui_models import _plan


def _select_rows(panel: VectorPanel, first: int, last: int) -> None:
    model = panel.model
    selection = QItemSelection(model.index(first, 0), model.index(last, len(COLUMNS) - 1))
    panel.view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def test_the_panel_asks_for_every_selected_vector(qtbot):
    panel = VectorPanel(Theme.build(dark=False))
    qtbot.addWidget(panel)
    plan = _plan()
    panel.set_plan(plan)
    with qtbot.waitSignal(panel.selection_counted) as counted:
        _select_rows(panel, 2, 6)
    assert counted.args == [5]
    with qtbot.waitSignal(panel.strategy_requested) as asked:
        panel.choice_actions[4].trigger()  # Skip the selected
    vectors, strategy = asked.args
    assert strategy == ()
    assert [plan.position(v) for v in vectors] == panel.model.visible_entries()[2:7]


def test_skip_on_a_selection_is_one_undo_step(qtbot, window: MainWindow):
    window.vectors.select_filter(Filter.CREATES)
    panel = window.vectors
    assert panel.model.rowCount() >= 4
    _select_rows(panel, 0, 3)
    chosen = panel.selected_vectors()
    assert len(chosen) == 4 and all(v.action is Action.CREATE for v in chosen)
    assert "4 selected" in window.statusBar().currentMessage()
    depth = window.undo_stack.count()
    panel.view.setFocus()
    QTest.keyClick(panel.view, Qt.Key.Key_S)
    assert window.undo_stack.count() == depth + 1
    assert all(v.action is Action.SKIP for v in chosen)
    assert panel.tab_counts()[Filter.SKIPPED] == window.plan.counts()["skip"]
    window.undo()
    assert all(v.action is Action.CREATE for v in chosen)
    assert panel.tab_counts()[Filter.CREATES] == window.plan.counts()["create"]


def test_the_header_sorts_and_keeps_the_current_vector(qtbot, window: MainWindow):
    panel = window.vectors
    panel.step_conflict(+1)
    current = panel.current_entry()
    panel.view.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    labels = [
        panel.model.row(e).label.lower()
        for e in panel.model.visible_entries()
        if e >= 0 and not panel.model._table.component[e]
    ]
    assert labels == sorted(labels, reverse=True)
    panel._after_reset(current)
    assert panel.current_entry() == current


def test_sources_cannot_change_while_a_commit_writes(qtbot, window: MainWindow):
    release = threading.Event()
    sources = window.actions_.sources
    assert sources and all(a.isEnabled() for a in sources)

    def writing(progress: object) -> None:
        release.wait()  # the test releases it: no fixed wait
        raise Cancelled

    with qtbot.waitSignal(window.commits.runner.running_changed):
        window.commits.runner.start(writing)
    assert not any(a.isEnabled() for a in sources)
    with qtbot.waitSignal(window.commits.runner.cancelled):
        release.set()
    assert all(a.isEnabled() for a in sources)


def test_the_list_shows_vectors_while_the_plan_is_built(qtbot, make_window, pair_copy, monkeypatch):
    monkeypatch.setattr(core.matching, "_STREAM", 40)
    window = make_window(pair_copy)
    listed: list[int] = []
    window.loads.found.connect(lambda _: listed.append(window.vectors.model.rowCount()))
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.reload()
    assert listed and listed[0] >= 40 and listed == sorted(listed)
    assert window.vectors.model.plan is window.plan
    assert window.vectors.model.rowCount() == window.vectors.tab_counts()[Filter.ALL]


def test_the_unchanged_tab_reads_rows_from_this_through_the_worker(qtbot, window: MainWindow):
    panel = window.vectors
    panel.select_filter(Filter.UNCHANGED)
    model = panel.model
    first = next(r for r in range(model.rowCount()) if model.entry_at(r) < 0)
    index = model.index(first, 2)
    if index.data() is None:  # not read yet: its page is on its way from THIS
        qtbot.waitUntil(lambda: index.data() is not None)
    assert index.data() == window.plan.unchanged.page(0, 1)[0].uuid
    assert model.rowCount() == panel.tab_counts()[Filter.UNCHANGED]
