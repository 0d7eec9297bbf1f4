"""Plan changes in event-loop slices: a bulk override never holds the UI thread for long.

A bulk override, its undo or a new policy re-derives tens of thousands of vectors at a
million records (hundreds of milliseconds of Python). `PlanSteps` runs such work (a
core/steps.py generator) in slices of at most `BUDGET` seconds, letting the event loop
paint and answer between them. One piece of work runs at a time and the plan's settings
must not change meanwhile, so every decision that arrives while one runs waits its turn
(`when_idle`): the plan goes through the same sequence of changes as without slices, and
undo restores exactly. Work that finishes in its first slice (one T/O/N) is done before
the call that started it returns.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Generator
from contextlib import AbstractContextManager
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.gcpause import paused_gc

BUDGET = 0.015  # seconds of work per slice: the UI answers at least every ~25 ms


class PlanSteps(QObject):
    """Runs stepwise plan work one piece at a time, in slices; queues what arrives."""

    idle = Signal()  # the last piece finished and nothing waits

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: tuple[Generator[Any, None, Any], Callable[[Any], None]] | None = None
        self._waiting: deque[Callable[[], None]] = deque()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)
        self._paused: AbstractContextManager[None] | None = None

    @property
    def busy(self) -> bool:
        """Work is running or waiting: the plan is not yet what the decisions made it."""
        return self._current is not None or bool(self._waiting)

    def start(self, steps: Generator[Any, None, Any], done: Callable[[Any], None]) -> None:
        """Run `steps`; `done(result)` on the UI thread when it returns. Work already
        running finishes first (the generator does not start before its turn)."""
        if self._current is not None:
            self._waiting.append(lambda: self.start(steps, done))
            return
        self._current = (steps, done)
        if self._paused is None:
            # A bulk change allocates (and drops) a few objects per vector; collections
            # it would trigger scan the whole young heap in one go, inside one slice.
            self._paused = paused_gc()
            self._paused.__enter__()
        self._slice()

    def when_idle(self, call: Callable[[], None]) -> None:
        """Call now when nothing runs or waits, else after what is queued."""
        if self.busy:
            self._waiting.append(call)
        else:
            call()

    def finish(self) -> None:
        """Run everything running and queued to the end now (before the plan is read
        whole: a commit, a reload, saving decisions)."""
        self._timer.stop()
        while self._current is not None or self._waiting:
            if self._current is not None:
                self._step(None)
            else:
                self._waiting.popleft()()
        self._resume_collector()

    def _slice(self) -> None:
        if self._current is not None:
            self._step(time.perf_counter() + BUDGET)
        if self._current is not None:
            self._timer.start()
        elif self._waiting:
            self._timer.start()  # the next piece in a slice of its own
            self._waiting.popleft()()
        else:
            self._resume_collector()
            self.idle.emit()

    def _resume_collector(self) -> None:
        """The collector runs again; what the changes left alive is frozen, so it is not
        scanned again (gui/collector.py: a reload collects a replaced plan once)."""
        if self._paused is not None:
            paused, self._paused = self._paused, None
            paused.__exit__(None, None, None)
            gc.freeze()

    def _step(self, deadline: float | None) -> None:
        """Advance the current work until it ends or the deadline passes."""
        assert self._current is not None
        steps, done = self._current
        try:
            while True:
                next(steps)
                if deadline is not None and time.perf_counter() >= deadline:
                    return
        except StopIteration as end:
            self._current = None
            done(end.value)
        except BaseException:
            self._current = None  # a failed piece does not hold up the queue
            raise
