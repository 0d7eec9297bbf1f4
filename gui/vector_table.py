"""A plan's vectors as columns of numpy arrays: what filtering, counting and sorting read.

Built once per plan (off the UI thread, at the end of a load) and kept current from the
plan's change sets, so a filter tab, a count or a sort is a few array operations over
every vector instead of a Python loop over row objects. No Qt here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from core.plan import Plan
from core.policy import is_skipped_deletion
from core.steps import Steps, chunks, run_steps
from core.unresolved import undecided_fields
from core.vectors import Vector
from core.vocabulary import Action
from gui.vector_search import SearchText

ACTIONS: tuple[Action, ...] = tuple(Action)
_CODE = {action: code for code, action in enumerate(ACTIONS)}
_NESTING = 8  # masters of masters: Eden nests one level; cycles stop here


class VectorTable:
    """Per-vector arrays, indexed by position in `plan.vectors`."""

    def __init__(self, plan: Plan) -> None:
        vectors = plan.vectors
        self.size = len(vectors)
        self.action = np.fromiter((_CODE[v.action] for v in vectors), np.int8, self.size)
        self.conflicts = np.fromiter((v.conflicts for v in vectors), np.int32, self.size)
        self.unresolved = np.fromiter(map(is_unresolved, vectors), bool, self.size)
        self.skipped_deletion = np.fromiter(map(is_skipped_deletion, vectors), bool, self.size)
        self.root = _roots(plan)
        self.component = self.root != np.arange(self.size)
        self.counts = np.bincount(self.action, minlength=len(ACTIONS)).astype(np.int64)
        self._ranks: dict[int, np.ndarray] = {}
        self._plan_order: np.ndarray | None = None  # plan order, masters' groups together
        self.unchanged_count = len(plan.unchanged)
        # The All tab's rows in plan order and each vector's row, when built on the worker
        # (`complete`): the list's first view, which the window then only adopts.
        self.first_view: tuple[np.ndarray, np.ndarray] | None = None
        # The searchable text: built here when on the worker (`complete`), else in idle steps.
        self.search = SearchText(plan)

    def complete(self) -> VectorTable:
        """Build what the window would otherwise build on the UI thread (the search text,
        in idle steps; the first display order); on the worker."""
        self.search.build_step(self.size)
        order = self.plan_order()
        row_of = np.empty(self.size, np.int64)
        row_of[order] = np.arange(self.size)
        unchanged = -np.arange(1, self.unchanged_count + 1, dtype=np.int64)
        self.first_view = (np.concatenate([order, unchanged]), row_of)
        return self

    # ----- keeping current
    def update(self, plan: Plan, positions: Sequence[int]) -> None:
        """Take the new state of the vectors at `positions` (a change set: every vector
        whose settings or derived state changed); counts follow."""
        run_steps(self.update_steps(plan, positions))

    def update_steps(self, plan: Plan, positions: Sequence[int]) -> Steps[None]:
        """`update` in steps (core/steps.py): a bulk change set is tens of thousands."""
        vectors, unresolved, skipped = plan.vectors, self.unresolved, self.skipped_deletion
        action, counts = self.action, self.counts
        for i, chunk in enumerate(chunks(positions)):
            if i:
                yield
            for n in chunk:
                vector = vectors[n]
                unresolved[n] = is_unresolved(vector)
                skipped[n] = is_skipped_deletion(vector)
                code = _CODE[vector.action]
                old = action[n]
                if code != old:
                    counts[old] -= 1
                    counts[code] += 1
                    action[n] = code
        self._ranks.pop(_ACTION_KEY, None)

    def retake_actions(self, plan: Plan) -> None:
        """Read every vector's state again (after decisions were carried onto the plan)."""
        self.action = np.fromiter((_CODE[v.action] for v in plan.vectors), np.int8, self.size)
        self.unresolved = np.fromiter(map(is_unresolved, plan.vectors), bool, self.size)
        self.skipped_deletion = np.fromiter(map(is_skipped_deletion, plan.vectors), bool, self.size)
        self.counts = np.bincount(self.action, minlength=len(ACTIONS)).astype(np.int64)
        self._ranks.pop(_ACTION_KEY, None)

    def count(self, action: Action) -> int:
        return int(self.counts[_CODE[action]])

    def unresolved_count(self) -> int:
        """Vectors with a conflicting field whose winner nobody chose (core/unresolved.py)."""
        return int(np.count_nonzero(self.unresolved))

    def conflicted_count(self) -> int:
        return int(np.count_nonzero(self.conflicts))

    def skipped_deletion_count(self) -> int:
        """Deletions the strategy does not allow (core.policy.skipped_deletions)."""
        return int(np.count_nonzero(self.skipped_deletion))

    def with_action(self, action: Action) -> np.ndarray:
        return self.action == _CODE[action]

    # ----- ordering
    def order(
        self,
        keys: Sequence[Callable[[Vector], Any]] | None,
        column: int,
        plan: Plan,
        ascending: bool,
    ) -> np.ndarray:
        """Positions in display order: groups (a master and its components) ordered by the
        master's key, components under their master ordered by their own key; stable."""
        if keys is None or column < 0:
            return self.plan_order()
        positions = np.arange(self.size)
        rank = self._rank(column, keys[column], plan)
        signed = rank if ascending else -rank
        return np.lexsort((positions, signed, self.component, self.root, signed[self.root]))

    def plan_order(self) -> np.ndarray:
        """Plan order with each master's components under it; computed once."""
        if self._plan_order is None:
            positions = np.arange(self.size)
            self._plan_order = np.lexsort((positions, self.component, self.root))
        return self._plan_order

    def _rank(self, column: int, key: Callable[[Vector], Any], plan: Plan) -> np.ndarray:
        """Dense ranks of the column's keys (equal keys, equal ranks), cached per column."""
        cache_key = _ACTION_KEY if key is action_key else column
        if cache_key in self._ranks:
            return self._ranks[cache_key]
        if key is action_key:
            ranks = self.action.astype(np.int64)
        elif key is conflicts_key:
            ranks = self.conflicts.astype(np.int64)
        else:
            values = [key(v) for v in plan.vectors]
            ranks = _dense_ranks(values)
        self._ranks[cache_key] = ranks
        return ranks


_ACTION_KEY = -1


def is_unresolved(vector: Vector) -> bool:
    return bool(vector.differing) and bool(undecided_fields(vector))


def action_key(vector: Vector) -> Any:
    return _CODE[vector.action]


def conflicts_key(vector: Vector) -> Any:
    return vector.conflicts


def stamp_key(value: datetime | None) -> str:
    """Missing timestamps first (the empty text sorts before any date)."""
    return "" if value is None else value.isoformat()


def _dense_ranks(values: list[str]) -> np.ndarray:
    """Equal texts, equal ranks. One C-level sort of positions by text (no fixed-width
    numpy text array: at a million labels that would take a gigabyte)."""
    if not values:
        return np.zeros(0, np.int64)
    order = sorted(range(len(values)), key=values.__getitem__)
    ordered = [values[n] for n in order]
    steps = np.fromiter(map(str.__ne__, ordered[1:], ordered[:-1]), bool, len(ordered) - 1)
    ranks = np.empty(len(values), np.int64)
    ranks[np.asarray(order, np.int64)] = np.concatenate([[0], np.cumsum(steps)])
    return ranks


def _roots(plan: Plan) -> np.ndarray:
    """For each vector, the position of its topmost master that has a vector (itself when
    none): a component is shown under it, even when the master comes later in the plan."""
    position = {v.identity: n for n, v in enumerate(plan.vectors)}
    roots = np.arange(len(plan.vectors))
    for n, vector in enumerate(plan.vectors):
        parent, depth = vector.parent, 0
        while parent is not None and depth < _NESTING:
            found = position.get(parent)
            if found is None:
                break
            roots[n] = found
            parent = plan.vectors[found].parent
            depth += 1
    return roots
