"""A guard against a reference-counting bug in PySide6 (seen in 6.12.0, Python 3.11).

`Signal.emit()` hands back `True` without taking a new reference, so every emit lowers
`True`'s reference count by one; after a few thousand emits (progress updates, model
changes) the interpreter aborts with "bool_dealloc: deallocating True or False". Python
3.12 made `True`, `False` and `None` immortal; on 3.11 this gives them the same headroom,
and only when the bug is seen.
"""

from __future__ import annotations

import ctypes
import sys

from PySide6.QtCore import QObject, Signal

_HEADROOM = 1 << 40  # more emits than any session makes


class _Probe(QObject):
    pinged = Signal()


def emit_leaks_true() -> bool:
    probe = _Probe()
    before = sys.getrefcount(True)
    probe.pinged.emit()
    return sys.getrefcount(True) < before


def guard_singletons() -> bool:
    """Give True/False/None huge reference counts if emit() leaks; True if it did."""
    if sys.version_info >= (3, 12) or not emit_leaks_true():
        return False
    for singleton in (True, False, None):
        # CPython: a PyObject starts with its reference count; id() is its address.
        ctypes.c_ssize_t.from_address(id(singleton)).value += _HEADROOM
    return True
