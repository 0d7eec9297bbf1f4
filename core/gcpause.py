"""Pausing Python's cyclic garbage collector while a plan is built.

Building a plan allocates a few objects per differing record and keeps most of them (the
vectors), and makes no reference cycles worth collecting; the collector would still
walk the growing heap again and again (~10 % of a plan's time at 100k records). Nested
and concurrent pauses are counted: the collector resumes when the last one ends, and
only if it was running before the first.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
