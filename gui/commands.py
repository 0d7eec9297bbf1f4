"""Undoable operator decisions: thin QUndoCommands over the core plan's override API.

`QUndoStack.push()` calls `redo()`: nothing is applied before the push. Each command
keeps only what the plan returned as the previous value, so undo restores it exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtGui import QUndoCommand

from core.plan import Plan
from core.policy import Policy
from core.snapshots import (
    overrides_snapshot,
    policy_applied,
    policy_snapshot,
    restore_overrides,
    restore_policy,
)
from core.vectors import Vector
from core.vocabulary import Method, Resolution

Changed = Callable[[], None]
_MERGE_FIELD = 1


class SetFieldResolutions(QUndoCommand):
    """Resolution of one or more fields of one vector (`None` drops the override)."""

    def __init__(
        self,
        plan: Plan,
        changed: Changed,
        vector: Vector,
        names: Sequence[str],
        resolution: Resolution | None,
    ) -> None:
        which = names[0] if len(names) == 1 else f"{len(names)} fields"
        super().__init__(f"{which} → {resolution.value if resolution else 'policy'}")
        self.plan, self.changed, self.vector = plan, changed, vector
        self.names = tuple(names)
        self.resolution = resolution
        self.previous: dict[str, Resolution | None] = {}

    def redo(self) -> None:
        first = not self.previous
        for name in self.names:
            before = self.plan.set_field_resolution(self.vector, name, self.resolution)
            if first:
                self.previous[name] = before
        self.changed()

    def undo(self) -> None:
        for name in reversed(self.names):
            self.plan.set_field_resolution(self.vector, name, self.previous[name])
        self.changed()

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


class SetStrategy(QUndoCommand):
    def __init__(
        self, plan: Plan, changed: Changed, vector: Vector, strategy: Sequence[Method] | None
    ) -> None:
        allowed = ", ".join(m.value for m in strategy) if strategy is not None else "policy"
        super().__init__(
            f"strategy of {vector.resource} {vector.label or vector.uuid}: {allowed or 'skip'}"
        )
        self.plan, self.changed, self.vector = plan, changed, vector
        self.strategy = None if strategy is None else tuple(strategy)
        self.previous: tuple[Method, ...] | None = None

    def redo(self) -> None:
        self.previous = self.plan.set_strategy(self.vector, self.strategy)
        self.changed()

    def undo(self) -> None:
        self.plan.set_strategy(self.vector, self.previous)
        self.changed()


class SetDefaultResolution(QUndoCommand):
    def __init__(
        self, plan: Plan, changed: Changed, vector: Vector, resolution: Resolution | None
    ) -> None:
        super().__init__(f"default resolution → {resolution.value if resolution else 'policy'}")
        self.plan, self.changed, self.vector = plan, changed, vector
        self.resolution = resolution
        self.previous: Resolution | None = None

    def redo(self) -> None:
        self.previous = self.plan.set_default_resolution(self.vector, self.resolution)
        self.changed()

    def undo(self) -> None:
        self.plan.set_default_resolution(self.vector, self.previous)
        self.changed()


class BulkFieldResolution(QUndoCommand):
    """One field's resolution in every vector of a resource: one step, compact snapshot."""

    def __init__(
        self, plan: Plan, changed: Changed, resource: str, name: str, resolution: Resolution | None
    ) -> None:
        super().__init__(
            f"{resource}.{name} → {resolution.value if resolution else 'policy'} everywhere"
        )
        self.plan, self.changed = plan, changed
        self.resource, self.name, self.resolution = resource, name, resolution
        self.previous: dict[Vector, Resolution | None] = {}

    def redo(self) -> None:
        self.previous = self.plan.bulk_field_resolution(self.resource, self.name, self.resolution)
        self.changed()

    def undo(self) -> None:
        self.plan.restore_field_resolutions(self.name, self.previous)
        self.changed()


class ApplyPolicy(QUndoCommand):
    """A new policy under the operator's overrides (which live in separate fields).

    The policy is tried in the constructor, so a failing policy raises before anything
    is pushed and the plan is left as it was.
    """

    def __init__(self, plan: Plan, changed: Changed, policy: Policy) -> None:
        super().__init__(f"policy {policy.name}")
        self.plan, self.changed = plan, changed
        self.before = policy_snapshot(plan)
        self.after = policy_applied(plan, policy)

    def redo(self) -> None:
        restore_policy(self.plan, self.after)
        self.changed()

    def undo(self) -> None:
        restore_policy(self.plan, self.before)
        self.changed()


class LoadDecisions(QUndoCommand):
    """A decisions file's overrides on the plan; one step that undoes to the old overrides.

    `apply` (the core's `apply_decisions(plan, path)`) runs in the constructor, so a bad
    file raises before anything is pushed; its report is kept in `report`.
    """

    def __init__(
        self, plan: Plan, changed: Changed, apply: Callable[[Plan], object], label: str
    ) -> None:
        super().__init__(f"load decisions {label}")
        self.plan, self.changed = plan, changed
        self.before = overrides_snapshot(plan)
        try:
            self.report = apply(plan)
            self.after = overrides_snapshot(plan)
        finally:
            restore_overrides(plan, self.before)

    def redo(self) -> None:
        restore_overrides(self.plan, self.after)
        self.changed()

    def undo(self) -> None:
        restore_overrides(self.plan, self.before)
        self.changed()
