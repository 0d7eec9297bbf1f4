"""Python's cycle collector around loading a plan, so it never stops the UI thread.

A full collection scans every tracked object while holding the GIL, and the worker
building a plan allocates millions of them: each collection the worker triggers stops
the UI thread for as long as it takes (a quarter of a second at 100k persons, growing
with the heap). So the collector is paused while a plan is built (what it builds is
acyclic or lives as long as the plan), and the loaded objects are then frozen
(`gc.freeze`): later collections skip them and stay short. When a plan replaces
another, the old one (it holds reference cycles, e.g. through SQLAlchemy's metadata) is
collected once, after the new plan is shown.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TypeVar

from core.gcpause import paused_gc

T = TypeVar("T")


def built_without_collection(build: Callable[[], T]) -> T:
    """Run `build` (on the worker) with the collector paused; freeze what it built."""
    with paused_gc():  # shared with the core's own pauses: nested ones are counted
        result = build()
        gc.freeze()  # only on success: a failed build's objects are garbage
        return result


def collect_replaced() -> None:
    """Free a replaced plan: one full collection, then freeze what is alive again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
