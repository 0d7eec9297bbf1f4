"""The "Unresolved N of M" counter, kept current without a pass over the whole plan.

N counts the vectors with an unresolved conflict (core/unresolved.py), M those with a
conflict at all (which no decision changes). A full count is a pass over every vector;
at a few hundred thousand vectors that is too slow for every key press, so after a
command on one vector only that vector and its components are counted again. Commands
without a vector (a policy, a decisions file, a bulk change) count everything again.
"""

from __future__ import annotations

from collections.abc import Iterator

from PySide6.QtGui import QUndoStack

from core.plan import Plan
from core.unresolved import undecided_fields
from core.vectors import Vector

Identity = tuple[str, str]


class UnresolvedCounter:
    def __init__(self, stack: QUndoStack) -> None:
        self._stack = stack
        self._plan: Plan | None = None
        self._open: set[Identity] = set()
        self.total = 0
        self._index = 0

    @property
    def left(self) -> int:
        return len(self._open)

    def text(self) -> str:
        return f"Unresolved {self.left} of {self.total}" if self._plan is not None else ""

    def recount(self, plan: Plan | None) -> None:
        """A full count (a new plan, or a change to many vectors)."""
        self._plan = plan
        self._index = self._stack.index()
        if plan is None:
            self._open, self.total = set(), 0
            return
        self.total = sum(1 for v in plan.vectors if v.conflicts)
        self._open = {v.identity for v in plan.vectors if _open(v)}

    def vector_changed(self, vector: Vector | None) -> None:
        """Count one vector (and its components) again: the current one after an edit."""
        plan = self._plan
        if plan is None or vector is None or plan.get(*vector.identity) is not vector:
            return
        for each in _with_components(plan, vector):
            if _open(each):
                self._open.add(each.identity)
            else:
                self._open.discard(each.identity)

    def stack_moved(self, index: int) -> None:
        """After undo, redo or a push: count again what the commands touched."""
        low, high = sorted((self._index, index))
        self._index = index
        for position in range(low, high):
            vector = getattr(self._stack.command(position), "vector", None)
            if vector is None:
                self.recount(self._plan)
                return
            self.vector_changed(vector)


def _open(vector: Vector) -> bool:
    return bool(vector.differing) and bool(undecided_fields(vector))


def _with_components(plan: Plan, vector: Vector) -> Iterator[Vector]:
    pending = [vector]
    while pending:
        each = pending.pop()
        yield each
        pending.extend(plan.children(each))
