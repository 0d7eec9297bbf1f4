"""The window's phases (offscreen), and the bare-QTableView floor.

Everything the benchmark knows about the window lives here, so a change of the vector
list's API only needs this file adapted. It drives the window the way the operator does,
through its public methods: the filter tabs, the search box (Enter), the scroll bar,
T/O/N on a field (`set_resolution`), "use X in every vector" (`bulk_resolution`), undo.

An event-loop stall probe (a 5 ms QTimer) runs from the window's start to its end: the
largest gap between two of its ticks is the longest time the UI thread did not answer.
"""

from __future__ import annotations

import ctypes
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.generate import Pair

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import (  # noqa: E402
    QAbstractTableModel,
    QEventLoop,
    QModelIndex,
    QSettings,
    Qt,
    QTimer,
)
from PySide6.QtWidgets import QApplication, QHeaderView, QTableView  # noqa: E402

SCROLL_STEPS = 100
SEARCH = "field"  # in conflicting last names (-Field) and changed comments (field office)
_PROBE_MS = 5


class StallProbe:
    """Ticks every 5 ms; remembers the longest gap per phase of the run."""

    def __init__(self) -> None:
        self.phase = "start"
        self.longest: dict[str, float] = {}
        self.checkpoint: Checkpoint | None = None
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(_PROBE_MS)
        self._timer.timeout.connect(self._tick)
        self._timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = now - self._last
        self._last = now
        if gap > self.longest.get(self.phase, 0.0):
            self.longest[self.phase] = gap

    def enter(self, phase: str) -> None:
        self._tick()  # the gap so far belongs to the phase that caused it
        self.phase = phase
        if self.checkpoint is not None:
            self.checkpoint.save()

    def stop(self) -> None:
        self._tick()
        self._timer.stop()


class Checkpoint(dict):
    """The window's results so far, saved to $BENCH_PARTIAL at every step, so a phase
    that runs past the benchmark's timeout still reports what it measured before."""

    def __init__(self, probe: StallProbe, **values: Any) -> None:
        super().__init__(values)
        self._probe = probe
        self._path = os.environ.get("BENCH_PARTIAL")
        probe.checkpoint = self

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self.save()

    def save(self) -> None:
        if self._path:
            running = {"running": self._probe.phase, "stall_by_phase": self._probe.longest}
            Path(self._path).write_text(json.dumps({**self, **running}), "utf-8")


def _guard_true_refcount() -> None:
    """PySide6 6.12.0 on CPython 3.11 drops one reference to `True` on every Python-side
    `Signal.emit()`; after a few hundred emits the process aborts ("bool_dealloc").
    The window emits far more than that at these sizes, so the benchmark (only the
    benchmark) pads True's count; CPython >= 3.12 has immortal bools and needs none."""
    if sys.version_info < (3, 12):
        ctypes.c_ssize_t.from_address(id(True)).value += 1 << 40


def _app() -> QApplication:
    _guard_true_refcount()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    return app


def wait_until(predicate: Callable[[], bool], timeout: float = 3600.0) -> None:
    """Run the event loop (the probe ticks) until `predicate` holds."""
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(2)

    def check() -> None:  # a slot must return None: PySide6 mis-counts a returned bool
        if predicate():
            loop.quit()

    poll.timeout.connect(check)
    poll.start()
    deadline = QTimer()
    deadline.setSingleShot(True)
    deadline.timeout.connect(loop.quit)
    deadline.start(int(timeout * 1000))
    if not predicate():
        loop.exec()
    poll.stop()
    if not predicate():
        raise TimeoutError("the window did not get there in time")


def _settle(app: QApplication, *views: Any) -> None:
    """Deliver what the action posted and paint what it invalidated, as the screen would.

    Delivering the posted events paints every region an action invalidated (the views'
    update requests are among them); a second pass delivers what the first one posted.
    The views are not repainted whole on top: a forced full repaint of every viewport
    painted each step twice (once for what changed, once for everything) and made one
    override's repaint a repaint of both views."""
    app.processEvents()
    app.processEvents()


def _timed(
    probe: StallProbe, name: str, action: Callable[[], Any], settle: Callable[[], None]
) -> float:
    probe.enter(name)
    start = time.perf_counter()
    action()
    settle()
    return time.perf_counter() - start


def window(pair: Pair) -> dict[str, Any]:
    """Open the window on the pair and time what the operator does first."""
    import gui.main_window as main_window
    import gui.window_sources as window_sources
    from core.vocabulary import Resolution
    from gui.session import Session, Sources
    from gui.theme import apply_theme
    from gui.vector_model import Filter

    app = _app()
    start = time.perf_counter()
    probe = StallProbe()
    plan_ready: list[float] = []
    original_loader = window_sources.loader

    def timed_loader(sources: Sources):  # noqa: ANN202 (the loader's work function)
        work = original_loader(sources)

        def run(progress: Any) -> Any:
            result = work(progress)
            plan_ready.append(time.perf_counter())
            return result

        return run

    window_sources.loader = timed_loader
    win = main_window.MainWindow(Session(), apply_theme(app), _own_settings())
    win.show()
    probe.enter("loading")
    win.open_sources(Sources(str(pair.this), str(pair.other), "eden", "fallback"))
    panel = win.vectors
    # A list that streams vectors in while the plan is built shows rows before it is done.
    wait_until(lambda: win.session.loaded is not None or panel.model.rowCount() > 0)
    first_rows = time.perf_counter()
    wait_until(lambda: win.session.loaded is not None and panel.model.rowCount() > 0)
    probe.enter("showing")
    _settle(app, panel.view)
    shown = time.perf_counter()
    views = (panel.view, win.fields.view)
    settle = lambda: _settle(app, *views)  # noqa: E731
    result = Checkpoint(
        probe,
        first_rows=first_rows - start,
        shown=shown - start,
        usable_after_plan=shown - plan_ready[0] if plan_ready else None,
        rows=len(win.plan.vectors) + len(win.plan.unchanged),
    )
    result.save()
    result["conflicts_tab"] = _timed(
        probe, "conflicts_tab", lambda: panel.select_filter(Filter.CONFLICTS), settle
    )
    result["all_tab"] = _timed(probe, "all_tab", lambda: panel.select_filter(Filter.ALL), settle)
    result["search"] = _timed(probe, "search", lambda: _search(panel, SEARCH), settle)
    result["clear"] = _timed(probe, "clear", lambda: _search(panel, ""), settle)
    for key, value in _scroll(probe, panel.view, app).items():
        result[key] = value
    probe.enter("select")
    panel.step_conflict(+1)
    settle()
    field = _conflicting_field(win)

    def done(action: Callable[[], Any]) -> Callable[[], None]:
        """The action, and the wait until the plan change it started is applied: a bulk
        change runs in event-loop slices (gui/plan_steps.py); the probe ticks meanwhile."""

        def run() -> None:
            action()
            wait_until(lambda: not win.plan_steps.busy)

        return run

    result["override"] = _timed(
        probe, "override", done(lambda: win.set_resolution([field], Resolution.OTHER)), settle
    )
    result["bulk_override"] = _timed(
        probe,
        "bulk_override",
        done(
            lambda: win.bulk_resolution("pr_person", "last_name", Resolution.OTHER, confirm=False)
        ),
        settle,
    )
    result["undo"] = _timed(probe, "undo", done(win.undo), settle)
    probe.enter("end")
    probe.stop()
    result["stall"] = max(probe.longest.values())
    result["stall_phase"] = max(probe.longest, key=probe.longest.__getitem__)
    result["stall_by_phase"] = probe.longest
    win.undo_stack.clear()
    win.close()
    return dict(result)


def _own_settings() -> QSettings:
    """Settings of this run alone, and autosaves in a folder of its own: the window
    restores its layout from settings and saves it on closing, so with the person's own
    settings its size (and what a step repaints) was whatever the last window left."""
    from gui.userdata import DATA_DIR_VARIABLE

    folder = Path(tempfile.mkdtemp(prefix="truce-bench-"))
    os.environ[DATA_DIR_VARIABLE] = str(folder / "data")
    return QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)


def _search(panel: Any, text: str) -> None:
    """Type the text without the debounce timer, then press Enter."""
    panel.search.blockSignals(True)
    panel.search.setText(text)
    panel.search.blockSignals(False)
    panel.search.returnPressed.emit()


def _conflicting_field(win: Any) -> str:
    rows = win.fields.model.conflict_rows()
    if not rows:
        raise RuntimeError("the selected vector has no differing field")
    return win.fields.model.name(rows[0])


def _scroll(probe: StallProbe, view: Any, app: QApplication) -> dict[str, float]:
    bar = view.verticalScrollBar()
    steps = []
    for _ in range(SCROLL_STEPS):
        target = min(bar.maximum(), bar.value() + bar.pageStep())
        steps.append(
            _timed(probe, "scroll", lambda t=target: bar.setValue(t), lambda: _settle(app, view))
        )
    return {"scroll_max": max(steps), "scroll_median": statistics.median(steps)}


class _Rows(QAbstractTableModel):
    """N rows of 7 columns whose data() only formats its index: the cheapest model."""

    def __init__(self, rows: int) -> None:
        super().__init__()
        self._rows = rows

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 7

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{index.row()}:{index.column()}"
        return None


def table_floor(rows: int) -> dict[str, Any]:
    """A bare QTableView over as many rows as the window lists: open, then scroll."""
    app = _app()
    probe = StallProbe()
    start = time.perf_counter()
    view = QTableView()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.setModel(_Rows(rows))
    view.resize(660, 700)
    view.show()
    _settle(app, view)
    result: dict[str, Any] = {"shown": time.perf_counter() - start, "rows": rows}
    result.update(_scroll(probe, view, app))
    probe.stop()
    result["stall"] = max(probe.longest.values())
    view.close()
    return result
