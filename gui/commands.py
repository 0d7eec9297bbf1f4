"""Undoable operator decisions: thin QUndoCommands over the core plan's override API.

`QUndoStack.push()` calls `redo()`: nothing is applied before the push. Each command
keeps only what the plan returned as the previous value, so undo restores it exactly,
and hands the plan's change set (positions of the vectors whose state changed) to the
context, so the window repaints exactly those rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtGui import QUndoCommand

from core.plan import Changed, Edited, Plan
from core.policy import Policy
from core.snapshots import (
    overrides_snapshot,
    policy_applied,
    policy_restored_steps,
    policy_snapshot,
    restore_overrides,
)
from core.steps import Steps, run_steps
from core.vectors import Vector
from core.vocabulary import Method, Resolution

_MERGE_FIELD = 1


@dataclass(frozen=True)
class PlanContext:
    """What a command needs: the plan, where to report the positions it changed, and
    (in a window) where stepwise work runs: in event-loop slices, after what is queued
    (gui/plan_steps.py). Without `run`, stepwise work runs to its end at once."""

    plan: Plan
    changed: Callable[[set[int]], None]
    run: Callable[[Steps[set[int]]], None] | None = None

    def apply(self, steps: Steps[set[int]]) -> None:
        """Run stepwise plan work whose result is the positions it changed."""
        if self.run is None:
            self.changed(run_steps(steps))
        else:
            self.run(steps)


class PlanCommand(QUndoCommand):
    """A command over one plan; `plan` can be pointed at a reloaded plan (gui/keep.py)."""

    context: PlanContext

    @property
    def plan(self) -> Plan:
        return self.context.plan

    @plan.setter
    def plan(self, plan: Plan) -> None:
        self.context = replace(self.context, plan=plan)


class SetFieldResolutions(PlanCommand):
    """Resolution of one or more fields of one vector (`None` drops the override)."""

    def __init__(
        self,
        context: PlanContext,
        vector: Vector,
        names: Sequence[str],
        resolution: Resolution | None,
    ) -> None:
        which = names[0] if len(names) == 1 else f"{len(names)} fields"
        super().__init__(f"{which} → {resolution.value if resolution else 'policy'}")
        self.context, self.vector = context, vector
        self.names = tuple(names)
        self.resolution = resolution
        self.previous: dict[str, Resolution | None] = {}

    def redo(self) -> None:
        first = not self.previous
        changed: set[int] = set()
        for name in self.names:
            before, rows = self.context.plan.set_field_resolution(
                self.vector, name, self.resolution
            )
            changed |= rows
            if first:
                self.previous[name] = before
        self.context.changed(changed)

    def undo(self) -> None:
        changed: set[int] = set()
        for name in reversed(self.names):
            changed |= self.context.plan.set_field_resolution(
                self.vector, name, self.previous[name]
            ).vectors
        self.context.changed(changed)

    def id(self) -> int:
        return _MERGE_FIELD

    def mergeWith(self, other: QUndoCommand) -> bool:
        """Repeated edits of the same cell are one step; the first previous value stays."""
        if not isinstance(other, SetFieldResolutions):
            return False
        if other.vector is not self.vector or other.names != self.names:
            return False
        self.resolution = other.resolution
        self.setText(other.text())
        return True


class SetFieldValue(PlanCommand):
    """A value the person typed for one field of one vector (`None` drops it)."""

    def __init__(
        self, context: PlanContext, vector: Vector, name: str, edit: Edited | None
    ) -> None:
        what = "typed value dropped" if edit is None else f"edited → {edit.value!r}"
        super().__init__(f"{name}: {what}"[:80])
        self.context, self.vector, self.name, self.edit = context, vector, name, edit
        self.previous: Edited | None = None

    def redo(self) -> None:
        self.previous, changed = self.context.plan.set_field_value(
            self.vector, self.name, self.edit
        )
        self.context.changed(changed)

    def undo(self) -> None:
        plan = self.context.plan
        self.context.changed(plan.set_field_value(self.vector, self.name, self.previous).vectors)


class _ForEachVector(PlanCommand):
    """One vector-level setting for one or more vectors, as one undo step; subclasses name
    the plan operation in `_apply` (it returns what it replaced and what it changed)."""

    def __init__(
        self, text: str, context: PlanContext, vectors: Sequence[Vector], value: Any
    ) -> None:
        super().__init__(text)
        self.context, self.vectors = context, tuple(vectors)
        self.value = value
        self.previous: list[Any] = []

    def _apply(self, plan: Plan, vector: Vector, value: Any) -> Changed:
        raise NotImplementedError

    def redo(self) -> None:
        plan, changed = self.context.plan, set[int]()
        previous = []
        for vector in self.vectors:
            before, rows = self._apply(plan, vector, self.value)
            previous.append(before)
            changed |= rows
        self.previous = previous
        self.context.changed(changed)

    def undo(self) -> None:
        plan, changed = self.context.plan, set[int]()
        for vector, before in zip(reversed(self.vectors), reversed(self.previous), strict=True):
            changed |= self._apply(plan, vector, before).vectors
        self.context.changed(changed)


class SetStrategy(_ForEachVector):
    """The strategy of one or more vectors (`None` drops the override): one step."""

    def __init__(
        self, context: PlanContext, vectors: Sequence[Vector], strategy: Sequence[Method] | None
    ) -> None:
        allowed = ", ".join(m.value for m in strategy) if strategy is not None else "policy"
        text = f"strategy of {_which(vectors)}: {allowed or 'skip'}"
        super().__init__(text, context, vectors, None if strategy is None else tuple(strategy))

    def _apply(self, plan: Plan, vector: Vector, value: Any) -> Changed:
        return plan.set_strategy(vector, value)


class SetDefaultResolution(_ForEachVector):
    """The default resolution (T/O/N) of one or more vectors: one step."""

    def __init__(
        self, context: PlanContext, vectors: Sequence[Vector], resolution: Resolution | None
    ) -> None:
        choice = resolution.value if resolution else "policy"
        suffix = f" in {_which(vectors)}" if len(vectors) > 1 else ""
        text = f"default resolution → {choice}{suffix}"
        super().__init__(text, context, vectors, resolution)

    def _apply(self, plan: Plan, vector: Vector, value: Any) -> Changed:
        return plan.set_default_resolution(vector, value)


class BulkFieldResolution(PlanCommand):
    """One field's resolution in every vector of a resource: one step, compact snapshot."""

    def __init__(
        self, context: PlanContext, resource: str, name: str, resolution: Resolution | None
    ) -> None:
        super().__init__(
            f"{resource}.{name} → {resolution.value if resolution else 'policy'} everywhere"
        )
        self.context = context
        self.resource, self.name, self.resolution = resource, name, resolution
        self.previous: dict[Vector, Resolution | None] = {}

    def redo(self) -> None:
        self.context.apply(self._redo_steps())

    def undo(self) -> None:
        self.context.apply(self._undo_steps())

    # Generators: the plan is read when their turn comes, not when they are made.
    def _redo_steps(self) -> Steps[set[int]]:
        plan = self.context.plan
        steps = plan.bulk_field_resolution_steps(self.resource, self.name, self.resolution)
        self.previous, changed = yield from steps
        return changed

    def _undo_steps(self) -> Steps[set[int]]:
        steps = self.context.plan.restore_field_resolutions_steps(self.name, self.previous)
        return (yield from steps).vectors


class ApplyPolicy(PlanCommand):
    """A new policy under the operator's overrides (which live in separate fields).

    The policy is tried in the constructor, so a failing policy raises before anything
    is pushed and the plan is left as it was.
    """

    def __init__(self, context: PlanContext, policy: Policy) -> None:
        super().__init__(f"policy {policy.name}")
        self.context = context
        self.before = policy_snapshot(context.plan)
        self.after = policy_applied(context.plan, policy)

    def redo(self) -> None:
        self.context.apply(policy_restored_steps(self.context.plan, self.after))

    def undo(self) -> None:
        self.context.apply(policy_restored_steps(self.context.plan, self.before))


class LoadDecisions(PlanCommand):
    """A decisions file's overrides on the plan; one step that undoes to the old overrides.

    `apply` (the core's `apply_decisions(plan, path)`) runs in the constructor, so a bad
    file raises before anything is pushed; its report is kept in `report`.
    """

    def __init__(self, context: PlanContext, apply: Callable[[Plan], object], label: str) -> None:
        super().__init__(f"load decisions {label}")
        self.context = context
        plan = context.plan
        self.before = overrides_snapshot(plan)
        try:
            self.report = apply(plan)
            self.after = overrides_snapshot(plan)
        finally:
            restore_overrides(plan, self.before)

    def redo(self) -> None:
        self.context.changed(restore_overrides(self.context.plan, self.after))

    def undo(self) -> None:
        self.context.changed(restore_overrides(self.context.plan, self.before))


def _which(vectors: Sequence[Vector]) -> str:
    if len(vectors) == 1:
        vector = vectors[0]
        return f"{vector.resource} {vector.label or vector.uuid}"
    return f"{len(vectors)} vectors"
