"""Long core work off the UI thread: QRunnable tasks reporting through queued signals.

`run()` never touches a widget. Each task belongs to a `TaskRunner` generation; starting
a new one cancels the old, and results of an older generation are dropped. A window runs
all of its database work on one single-thread pool (`database_worker`), so a load, a
commit and a page read never run at the same time.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from core.progress import Cancelled, Progress

_INTERVAL = 0.05  # at most ~20 progress updates per second


class TaskSignals(QObject):
    """Emitted from the worker thread; connections to UI objects are queued."""

    progressed = Signal(int, int, int, str)  # generation, done, total, stage
    finished = Signal(int, object)  # generation, result
    failed = Signal(int, object, str)  # generation, exception, details
    cancelled = Signal(int)
    found = Signal(int, object)  # generation, vectors computed so far (a chunk)


class SignalProgress(Progress):
    """A core Progress that emits throttled signals."""

    def __init__(self, signals: TaskSignals, generation: int) -> None:
        super().__init__()
        self._signals = signals
        self._generation = generation
        self._last = 0.0

    def changed(self) -> None:
        now = time.monotonic()
        if now - self._last < _INTERVAL and self.done:
            return
        self._last = now
        self._signals.progressed.emit(self._generation, self.done, self.total, self.stage)

    def found(self, vectors: list[Any]) -> None:
        self._signals.found.emit(self._generation, vectors)


class Task(QRunnable):
    """Runs `work(progress)` in the thread pool and reports the result or the failure."""

    def __init__(
        self, work: Callable[[Progress], Any], signals: TaskSignals, generation: int
    ) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.work = work
        self.signals = signals
        self.generation = generation
        self.progress = SignalProgress(signals, generation)

    def run(self) -> None:
        try:
            result = self.work(self.progress)
        except Cancelled:
            self.signals.cancelled.emit(self.generation)
        except Exception as exc:  # reported to the UI, never swallowed
            self.signals.failed.emit(self.generation, exc, traceback.format_exc())
        else:
            self.signals.finished.emit(self.generation, result)


class TaskRunner(QObject):
    """One kind of background work at a time; only the latest run's outcome is reported."""

    progressed = Signal(int, int, str)  # done, total, stage
    finished = Signal(object)
    failed = Signal(object, str)  # exception, details
    cancelled = Signal()
    running_changed = Signal(bool)
    found = Signal(object)  # vectors computed so far, while a plan is being built

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self._pool = pool or QThreadPool.globalInstance()
        # Unparented and shared with the tasks, which keep it alive: a task still
        # finishing after this runner is gone emits into no receiver instead of failing.
        self._signals = TaskSignals()
        self._signals.progressed.connect(self._on_progress)
        self._signals.finished.connect(self._on_finished)
        self._signals.failed.connect(self._on_failed)
        self._signals.cancelled.connect(self._on_cancelled)
        self._signals.found.connect(self._on_found)
        self._generation = 0
        self._current: Task | None = None
        self._progress: Progress | None = None

    @property
    def running(self) -> bool:
        return self._progress is not None

    def start(self, work: Callable[[Progress], Any]) -> None:
        self.cancel(quiet=True)
        self._generation += 1
        task = Task(work, self._signals, self._generation)
        self._progress = task.progress
        self._pool.start(task)
        self.running_changed.emit(True)

    def cancel(self, quiet: bool = False) -> None:
        if self._progress is not None:
            self._progress.cancel()
            self._progress = None
            if not quiet:
                self.running_changed.emit(False)
                self.cancelled.emit()

    def _current_generation(self, generation: int) -> bool:
        return generation == self._generation and self._progress is not None

    def _on_progress(self, generation: int, done: int, total: int, stage: str) -> None:
        if self._current_generation(generation):
            self.progressed.emit(done, total, stage)

    def _on_found(self, generation: int, vectors: object) -> None:
        if self._current_generation(generation):
            self.found.emit(vectors)

    def _end(self, generation: int) -> bool:
        if not self._current_generation(generation):
            return False
        self._progress = None
        self.running_changed.emit(False)
        return True

    def _on_finished(self, generation: int, result: object) -> None:
        if self._end(generation):
            self.finished.emit(result)

    def _on_failed(self, generation: int, error: object, details: str) -> None:
        if self._end(generation):
            self.failed.emit(error, details)

    def _on_cancelled(self, generation: int) -> None:
        if self._end(generation):
            self.cancelled.emit()


class _JobSignals(QObject):
    done = Signal(int, object)  # job number, result
    failed = Signal(int, str)  # job number, details


class _Job(QRunnable):
    def __init__(self, number: int, work: Callable[[], Any], signals: _JobSignals) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self.number, self.work, self.signals = number, work, signals

    def run(self) -> None:
        try:
            result = self.work()
        except Exception:  # reported to the UI, never swallowed
            self.signals.failed.emit(self.number, traceback.format_exc())
        else:
            self.signals.done.emit(self.number, result)


class Jobs(QObject):
    """Small reads (a page of rows) queued on the same worker as the long tasks, so every
    database access of a window runs on one thread, one at a time; each result goes to
    its callback on the UI thread."""

    failed = Signal(str)

    def __init__(self, pool: QThreadPool, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = pool
        self._signals = _JobSignals()
        self._signals.done.connect(self._done)
        self._signals.failed.connect(self._failed)
        self._callbacks: dict[int, Callable[[Any], None]] = {}
        self._number = 0

    def submit(self, work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self._number += 1
        self._callbacks[self._number] = done
        self._pool.start(_Job(self._number, work, self._signals))

    def _done(self, number: int, result: object) -> None:
        callback = self._callbacks.pop(number, None)
        if callback is not None:
            callback(result)

    def _failed(self, number: int, details: str) -> None:
        self._callbacks.pop(number, None)
        self.failed.emit(details)


def database_worker(parent: QObject) -> QThreadPool:
    """The one thread a window's database work runs on: loads, dry runs, commits,
    reverts and page reads queue there and never overlap."""
    pool = QThreadPool(parent)
    pool.setMaxThreadCount(1)
    return pool
