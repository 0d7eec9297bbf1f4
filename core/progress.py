"""Progress reporting and cancellation for long core work; knows nothing of any GUI."""

from __future__ import annotations

from typing import Any


class Cancelled(Exception):
    """The operator cancelled the work."""


class Progress:
    """Counts work done; a GUI or CLI subclasses it to show progress and to cancel.

    Core loops call `advance()` per record; the check for cancellation is cheap and
    subclasses throttle what they display.
    """

    def __init__(self) -> None:
        self.total = 0
        self.done = 0
        self.stage = ""
        self.cancelled = False

    def set_total(self, total: int, stage: str = "") -> None:
        self.total, self.done = total, 0
        if stage:
            self.stage = stage
        self.changed()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.cancelled:
            raise Cancelled(self.stage or "cancelled")
        if self.done & 1023 == 0:
            self.changed()

    def cancel(self) -> None:
        self.cancelled = True

    def found(self, vectors: list[Any]) -> None:
        """Hook for subclasses: vectors computed so far (a chunk, before the policy and
        the derived actions), so a window can list them while the plan is built."""

    def changed(self) -> None:
        """Hook for subclasses: called at most every 1024 records and on each new stage."""
