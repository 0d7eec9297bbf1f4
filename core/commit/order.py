"""The order of a commit's writes, cut into groups that can each go in one `executemany`.

A record created by the commit must exist before a write that points at it. Each write
gets a *level*: 0 when it points at nothing the commit creates, else one more than the
highest level among the creates it points at. Writing level by level (and, within a
level, resource by resource in the schema's order) keeps every dependency satisfied
while letting all the writes of one resource, action and level go together. Only a true
cycle of creates is left to NULL-then-fix-up (the writer does that).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.plan import Plan
from core.vectors import Vector, changed_fields
from core.vocabulary import Action

__all__ = ["Group", "Written", "groups", "written_values"]

_ACTION_ORDER = {Action.CREATE: 0, Action.UPDATE: 1, Action.DELETE: 2}


@dataclass(frozen=True, slots=True)
class Group:
    """Writes of one resource and action that depend on nothing inside the group."""

    resource: str
    action: Action
    vectors: list[Vector]


def written_values(vector: Vector) -> dict[str, Any]:
    """The data fields a write stores: all of OTHER's for a create, the changes for an
    update, none for a delete."""
    if vector.action is Action.CREATE:
        return vector.other_values
    if vector.action is Action.UPDATE:
        return changed_fields(vector)
    return {}


def _targets(vector: Vector, written: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Identities of the records a write points at (references it writes, its master)."""
    for name, target in vector.references.items():
        uuid = written.get(name)
        if uuid is not None:
            yield (target, uuid)
    if vector.action is Action.CREATE and vector.parent is not None:
        yield vector.parent


class Written:
    """What each write stores and points at, computed once per commit: an update's
    changed fields cost a resolution per field, and the order, the stale check and the
    writer each ask. Keyed by the vector object, which the plan keeps alive."""

    def __init__(self) -> None:
        self._values: dict[int, dict[str, Any]] = {}
        self._targets: dict[int, list[tuple[str, str]]] = {}

    def values(self, vector: Vector) -> dict[str, Any]:
        found = self._values.get(id(vector))
        if found is None:
            found = self._values[id(vector)] = written_values(vector)
        return found

    def targets(self, vector: Vector) -> list[tuple[str, str]]:
        found = self._targets.get(id(vector))
        if found is None:
            found = self._targets[id(vector)] = list(_targets(vector, self.values(vector)))
        return found


def groups(plan: Plan, written: Written | None = None) -> list[Group]:
    """Every write of the plan, grouped and ordered (see the module docstring)."""
    writes = plan.writes
    rank = {name: n for n, name in enumerate(plan.schema.order())}
    level = _levels(writes, written or Written())
    ordered = sorted(
        writes,
        key=lambda v: (level[v.identity], rank[v.resource], _ACTION_ORDER[v.action]),
    )
    result: list[Group] = []
    for vector in ordered:
        last = result[-1] if result else None
        if (
            last is not None
            and last.resource == vector.resource
            and last.action is vector.action
            and level[last.vectors[0].identity] == level[vector.identity]
        ):
            last.vectors.append(vector)
        else:
            result.append(Group(vector.resource, vector.action, [vector]))
    return result


def _levels(writes: list[Vector], written: Written) -> dict[tuple[str, str], int]:
    """Level of every write; iterative depth-first, an edge back into the path (a cycle)
    is ignored so that cycle goes to NULL-then-fix-up."""
    creating = {v.identity: v for v in writes if v.action is Action.CREATE}
    level: dict[tuple[str, str], int] = {}
    on_path: set[tuple[str, str]] = set()

    def created_targets(vector: Vector) -> Iterator[Vector]:
        for target in written.targets(vector):
            found = creating.get(target)
            if found is not None and found is not vector:
                yield found

    for start in writes:
        identity = start.identity
        if identity in level:
            continue
        if not creating or not any(
            creating.get(t, start) is not start for t in written.targets(start)
        ):
            level[identity] = 0  # points at nothing the commit creates (most writes)
            continue
        stack = [(start, created_targets(start), 0)]
        on_path.add(start.identity)
        while stack:
            vector, pending, deepest = stack[-1]
            target = next(pending, None)
            if target is None:
                stack.pop()
                on_path.discard(vector.identity)
                level[vector.identity] = deepest
                if stack:
                    parent, parent_pending, parent_deepest = stack[-1]
                    stack[-1] = (parent, parent_pending, max(parent_deepest, deepest + 1))
            elif target.identity in level:
                stack[-1] = (vector, pending, max(deepest, level[target.identity] + 1))
            elif target.identity not in on_path:
                on_path.add(target.identity)
                stack.append((target, created_targets(target), 0))
    return level
