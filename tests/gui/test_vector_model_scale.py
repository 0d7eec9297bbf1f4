"""The flat vector list: sorting keeps components under their master, overrides repaint
only the rows they changed, a multi-selection override is one undo step, and unchanged
rows are paged through the worker. No window: a core plan and the model alone."""

from __future__ import annotations

import random
import sys
import threading
from datetime import datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QUndoStack

from core.plan import Plan, Unchanged
from core.session import open_pair
from core.vectors import Vector
from core.vocabulary import Action, Method, Resolution
from gui.commands import PlanContext, SetDefaultResolution, SetStrategy
from gui.tasks import Jobs, database_worker
from gui.theme import Theme
from gui.unchanged_rows import PAGE, UnchangedRows
from gui.vector_model import _SORT_KEYS, COLUMNS, Filter, VectorModel
from tests.conftest import SAMPLES_DIR

ORDERS = (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)


def _sample() -> Plan:
    return open_pair(SAMPLES_DIR / "local.db", SAMPLES_DIR / "incoming.db").plan()


def _generated(masters: int, seed: int = 7) -> Plan:
    """Persons with address components (some components listed before their master),
    repeated labels and missing timestamps, so sorting has ties to keep stable."""
    schema = _sample().schema
    rng = random.Random(seed)
    start = datetime(2024, 1, 1)
    vectors: list[Vector] = []
    components: list[Vector] = []
    for n in range(masters):
        uuid = f"urn:uuid:p-{n:07d}"
        vectors.append(_vector(rng, "pr_person", uuid, None, start))
        for k in range(rng.choice((0, 0, 1, 2))):
            components.append(
                _vector(rng, "pr_address", f"urn:uuid:a-{n:07d}-{k}", ("pr_person", uuid), start)
            )
    for component in components:  # a component may come before or after its master
        vectors.insert(rng.randrange(len(vectors) + 1), component)
    return Plan(schema, "this", "other", vectors, [], {"pr_person": {}, "pr_address": {}})


def _vector(
    rng: random.Random, resource: str, uuid: str, parent: tuple[str, str] | None, start: datetime
) -> Vector:
    this = rng.choice((None, "a", "b"))
    other = rng.choice(("a", "c"))
    stamp = None if rng.random() < 0.1 else start + timedelta(hours=rng.randrange(500))
    return Vector(
        resource=resource,
        uuid=uuid,
        method=Method.UPDATE,
        label=rng.choice(("Ann", "bob", "Cy", "dee", "")),
        place="",
        other_values={"comments": other},
        this_values={"comments": this},
        differing=("comments",) if this != other else (),
        this_modified=stamp,
        other_modified=start,
        parent=parent,
    )


@pytest.fixture(scope="module")
def big() -> Plan:
    return _generated(60_000)  # ~100k vectors


def _check_grouped(model: VectorModel, plan: Plan) -> None:
    table = model._table
    assert table is not None
    rows = model.shown()
    assert sorted(rows.tolist()) == list(range(len(plan.vectors)))
    roots, components = table.root[rows], table.component[rows]
    # A master opens its group (its own root); every component follows its master's row.
    assert np.all(roots[~components] == rows[~components])
    assert components[0] == np.False_
    follows = np.flatnonzero(components)
    assert np.all(roots[follows] == roots[follows - 1])


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_sorting_by_any_column_keeps_components_under_their_master(qapp, big, column):
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(big)
    key = _SORT_KEYS[column]
    for order in ORDERS:
        model.sort(column, order)
        _check_grouped(model, big)
        masters = [int(e) for e in model.shown() if not model._table.component[e]]
        keys = [key(big.vectors[e]) for e in masters]
        pairs = list(zip(keys, masters, strict=True))
        for (k1, p1), (k2, p2) in zip(pairs, pairs[1:], strict=False):
            if order == Qt.SortOrder.AscendingOrder:
                assert k1 <= k2
            else:
                assert k1 >= k2
            if k1 == k2:
                assert p1 < p2  # stable: equal keys keep plan order
    model.sort(-1)
    _check_grouped(model, big)


def test_filters_and_search_work_on_the_sorted_order(qapp, big):
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(big)
    model.sort(1, Qt.SortOrder.DescendingOrder)
    model.set_filter(Filter.CONFLICTS)
    shown = model.shown()
    assert len(shown) == model.counts()[Filter.CONFLICTS] > 0
    assert all(big.vectors[e].conflicts for e in shown)
    model.set_search("a-0000042")
    assert {big.vectors[e].uuid for e in model.shown()} <= {
        f"urn:uuid:a-0000042-{k}" for k in range(2)
    }
    model.set_search("")
    assert np.array_equal(model.shown(), shown)


def _rows_repainted(model: VectorModel, emitted: list[tuple[int, int]]) -> set[int]:
    return {row for first, last in emitted for row in range(first, last + 1)}


def test_an_override_repaints_only_the_rows_it_changed(qapp):
    plan = _sample()
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(plan)
    emitted: list[tuple[int, int]] = []

    def record(top: QModelIndex, bottom: QModelIndex) -> None:
        assert top.column() == 0 and bottom.column() == len(COLUMNS) - 1
        emitted.append((top.row(), bottom.row()))

    model.dataChanged.connect(record)
    changes: list[set[int]] = []

    def changed(positions: set[int]) -> None:
        changes.append(positions)
        model.vectors_changed(positions)

    context = PlanContext(plan, changed)
    # A created location that created persons point at: skipping it blocks them.
    location = next(
        plan.get("gis_location", v.other_values["location_id"])
        for v in plan.vectors
        if v.resource == "pr_person"
        and v.action is Action.CREATE
        and plan.get("gis_location", v.other_values["location_id"] or "")
    )
    stack = QUndoStack()
    stack.push(SetStrategy(context, [location], ()))
    (positions,) = changes
    assert len(positions) > 2
    expected = {model.row_of_entry(p) for p in positions}
    assert _rows_repainted(model, emitted) == expected
    assert len(expected) < model.rowCount() / 10
    counts = model.counts()
    for which, action in ((Filter.CREATES, Action.CREATE), (Filter.SKIPPED, Action.SKIP)):
        assert counts[which] == sum(1 for v in plan.vectors if v.action is action)
    emitted.clear()
    stack.undo()
    assert _rows_repainted(model, emitted) == {model.row_of_entry(p) for p in changes[-1]}


def test_a_multi_selection_override_is_one_undo_step(qapp):
    plan = _sample()
    chosen = [
        v for v in plan.vectors if v.method is Method.UPDATE and v.differing and not v.problems
    ][:12]
    before = [(v.action, v.reason, v.override_default) for v in chosen]
    context = PlanContext(plan, lambda positions: None)
    stack = QUndoStack()
    stack.push(SetDefaultResolution(context, chosen, Resolution.OTHER))
    stack.push(SetStrategy(context, chosen, ()))
    assert stack.count() == 2
    assert all(v.action is Action.SKIP for v in chosen)
    stack.undo()
    assert all(v.override_default is Resolution.OTHER for v in chosen)
    assert any(v.action is Action.UPDATE for v in chosen)
    stack.undo()
    assert [(v.action, v.reason, v.override_default) for v in chosen] == before


class _Paged:
    """An unchanged set read on demand, like the plan's database-backed one."""

    def __init__(self, rows: list[Unchanged]) -> None:
        self.rows = rows
        self.pages: list[tuple[int, int]] = []

    def __len__(self) -> int:
        return len(self.rows)

    def page(self, start: int, stop: int) -> list[Unchanged]:
        self.pages.append((start, stop))
        return self.rows[start:stop]


def test_unchanged_rows_are_paged_through_the_worker(qtbot):
    rows = [
        Unchanged("pr_person", f"urn:uuid:u-{n:05d}", f"U{n}", None, None, None, "")
        for n in range(PAGE * 3 + 7)
    ]
    paged = _Paged(rows)
    pool = database_worker(None)
    jobs = Jobs(pool)
    unchanged = UnchangedRows(paged, jobs.submit)
    assert len(unchanged) == len(rows)
    with qtbot.waitSignal(unchanged.arrived) as arrived:
        assert unchanged.get(PAGE + 3) is None
    assert arrived.args == [PAGE, 2 * PAGE - 1]
    assert unchanged.get(PAGE + 3) == rows[PAGE + 3]
    assert paged.pages == [(PAGE, 2 * PAGE)]
    pool.waitForDone()


def test_the_unchanged_tab_shows_paged_rows_once_they_arrive(qtbot):
    plan = _sample()
    rows = list(plan.unchanged)
    plan.unchanged = _Paged(rows)  # type: ignore[assignment]
    pool = database_worker(None)
    model = VectorModel(Theme.build(dark=False), submit=Jobs(pool).submit)
    model.set_plan(plan)
    model.set_filter(Filter.UNCHANGED)
    vectors = sum(1 for v in plan.vectors if v.action is Action.UNCHANGED)
    assert model.rowCount() == vectors + len(rows) == model.counts()[Filter.UNCHANGED]
    first = model.index(vectors, 2)
    with qtbot.waitSignal(model.dataChanged):
        assert first.data() is None
    assert first.data() == rows[0].uuid
    pool.waitForDone()


def test_every_database_task_runs_on_one_worker(qtbot):
    pool = database_worker(None)
    assert pool.maxThreadCount() == 1
    jobs = Jobs(pool)
    seen: list[tuple[int, int]] = []
    for n in range(5):
        jobs.submit(lambda n=n: (n, threading.get_ident()), seen.append)
    qtbot.waitUntil(lambda: len(seen) == 5)
    assert [n for n, _ in seen] == list(range(5))  # one thread: in submission order
    assert len({thread for _, thread in seen}) == 1
    pool.waitForDone()


def test_repainting_many_times_keeps_the_interpreter_intact(qapp):
    """PySide6 6.12.0 lost a reference to True on every signal emission; a session of
    overrides then aborted the interpreter. The pinned binding must not."""
    plan = _sample()
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(plan)
    before = sys.getrefcount(True)
    for _ in range(200):
        model.vectors_changed({0, 5, 6})
    assert sys.getrefcount(True) >= before - 20


def test_a_bulk_override_repaints_its_rows_in_few_signals(qapp, big):
    """Thousands of scattered changed rows: every one is repainted, by a bounded number
    of signals (each costs the view a pass), not one signal per run of rows."""
    model = VectorModel(Theme.build(dark=False))
    model.set_plan(big)
    emitted: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda top, bottom: emitted.append((top.row(), bottom.row())))
    chosen = big.vectors[::7]
    stack = QUndoStack()
    context = PlanContext(big, model.vectors_changed)
    stack.push(SetDefaultResolution(context, chosen, Resolution.OTHER))
    rows = {model.row_of_entry(big.position(v)) for v in chosen}
    assert rows <= _rows_repainted(model, emitted)
    assert 0 < len(emitted) <= 64
    stack.undo()
