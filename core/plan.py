"""A plan: every vector of one THIS/OTHER pair, the operator's overrides, and the actions.

Records that are identical on both sides are only counted, in an `UnchangedSet` that pages
them from THIS on demand: no policy or override can make them write anything, and at a
million records they would otherwise dominate memory.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from core.schema import Schema
from core.unchanged import Unchanged, UnchangedSet
from core.vectors import Vector, changed_fields, effective_strategy
from core.vocabulary import WRITING_ACTIONS, Action, Method, Resolution

__all__ = ["Plan", "Unchanged", "UnchangedSet"]


@dataclass
class Plan:
    """All vectors of one pair, with lookups, overrides and derived actions."""

    schema: Schema
    this_source: str
    other_source: str
    vectors: list[Vector]
    unchanged: UnchangedSet  # a list of `Unchanged` rows is accepted and held as given
    # resource -> canonical uuid -> local key: a dict, or a core.sources.sql.KeyLookup
    # (same `get` and `in`) that asks THIS, for resources planned in SQLite
    this_index: dict[str, Any]
    policy_name: str = "fallback"
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.unchanged, UnchangedSet):
            self.unchanged = UnchangedSet.of_rows(self.unchanged)
        self._by_identity = {v.identity: v for v in self.vectors}
        self._children: dict[tuple[str, str], list[Vector]] = defaultdict(list)
        for vector in self.vectors:
            if vector.parent is not None:
                self._children[vector.parent].append(vector)
        self.recompute()

    # ----- lookups
    def get(self, resource: str, uuid: str) -> Vector | None:
        return self._by_identity.get((resource, uuid))

    def children(self, vector: Vector | tuple[str, str]) -> list[Vector]:
        key = vector.identity if isinstance(vector, Vector) else vector
        return self._children.get(key, [])

    def roots(self) -> Iterator[Vector]:
        return (v for v in self.vectors if v.parent is None or v.parent not in self._by_identity)

    def this_has(self, resource: str, uuid: str) -> bool:
        return uuid in self.this_index.get(resource, {})

    # ----- actions
    def recompute(self) -> None:
        """Derive every vector's action and reason from strategy, resolution and references."""
        for vector in self.vectors:
            vector.action, vector.reason = self._own_action(vector)
            vector.blocked = {}
        self._propagate_to_components()
        while self._block_unresolved_references():
            self._propagate_to_components()

    def refresh(self, vector: Vector) -> None:
        """Re-derive one vector and its components after an override; the whole plan only
        when the vector starts or stops being created (others may reference it)."""
        was_created = vector.action is Action.CREATE
        for one in (vector, *self.children(vector)):
            self._derive_one(one)
        if was_created != (vector.action is Action.CREATE):
            self.recompute()

    def _derive_one(self, vector: Vector) -> None:
        vector.action, vector.reason = self._own_action(vector)
        vector.blocked = {}
        master = self._by_identity.get(vector.parent) if vector.parent else None
        if master is not None and master.action in (Action.SKIP, Action.ERROR):
            if vector.action is not Action.ERROR:
                vector.action = Action.SKIP
                vector.reason = f"master {master.resource} {master.uuid} is {master.action.value}"
            return
        if vector.action in (Action.CREATE, Action.UPDATE):
            self._block(vector)

    def _block(self, vector: Vector) -> bool:
        blocked = self._unresolved_references(vector)
        if not blocked:
            return False
        vector.blocked = blocked
        vector.action = Action.SKIP
        vector.reason = "blocked reference: " + "; ".join(
            f"{name} → {why}" for name, why in blocked.items()
        )
        return True

    def _own_action(self, vector: Vector) -> tuple[Action, str]:
        if vector.problems:
            return Action.ERROR, "; ".join(str(p) for p in vector.problems)
        strategy = effective_strategy(vector)
        if vector.method not in strategy:
            allowed = ", ".join(m.value for m in strategy) or "nothing"
            return Action.SKIP, f"strategy allows {allowed}, not {vector.method.value}"
        if vector.method is Method.CREATE:
            if self._master_missing(vector):
                master_resource, master_uuid = vector.parent  # type: ignore[misc]
                return Action.SKIP, (
                    f"master {master_resource} {master_uuid} is not in THIS and is not created"
                )
            return Action.CREATE, ""
        if vector.method is Method.DELETE:
            resource = self.schema.resources[vector.resource]
            if not resource.has(resource.meta.deleted):
                return Action.SKIP, f"{vector.resource} has no deleted column to mark"
            return Action.DELETE, ""
        if changed_fields(vector):
            return Action.UPDATE, ""
        return Action.UNCHANGED, "THIS values kept" if vector.differing else ""

    def _master_missing(self, vector: Vector) -> bool:
        """A new component whose master has no vector and is not in THIS (e.g. the master
        is deleted in OTHER and THIS never had it): there is nothing to link it to."""
        parent = vector.parent
        return parent is not None and parent not in self._by_identity and not self.this_has(*parent)

    def _propagate_to_components(self) -> None:
        for vector in self.vectors:
            master = self._by_identity.get(vector.parent) if vector.parent else None
            if master is None or master.action not in (Action.SKIP, Action.ERROR):
                continue
            if vector.action not in (Action.SKIP, Action.ERROR):
                vector.action = Action.SKIP
                vector.reason = f"master {master.resource} {master.uuid} is {master.action.value}"

    def _block_unresolved_references(self) -> bool:
        """Skip vectors whose written references point nowhere; True when any changed."""
        changed = False
        for vector in self.vectors:
            if vector.action in (Action.CREATE, Action.UPDATE) and self._block(vector):
                changed = True
        return changed

    def _unresolved_references(self, vector: Vector) -> dict[str, str]:
        written = vector.other_values if vector.action is Action.CREATE else changed_fields(vector)
        blocked: dict[str, str] = {}
        for name, value in written.items():
            if name in vector.dangling:
                blocked[name] = vector.dangling[name]
                continue
            target = vector.references.get(name)
            if target is None or value is None:
                continue
            why = self._unresolved_target(target, value)
            if why:
                blocked[name] = why
        return blocked

    def _unresolved_target(self, target: str, uuid: str) -> str | None:
        if self.this_has(target, uuid):
            return None
        other = self._by_identity.get((target, uuid))
        if other is None:
            return f"{target} {uuid} is in neither dataset"
        if other.action is Action.CREATE:
            return None
        return f"{target} {uuid} is not created ({other.action.value}: {other.reason})"

    # ----- overrides (each returns what it replaced, so an undo can restore it)
    def set_field_resolution(
        self, vector: Vector, name: str, resolution: Resolution | None
    ) -> Resolution | None:
        previous = vector.override_fields.get(name)
        if resolution is None:
            vector.override_fields.pop(name, None)
        else:
            vector.override_fields[name] = Resolution(resolution)
        self.refresh(vector)
        return previous

    def set_strategy(
        self, vector: Vector, strategy: Iterable[Method] | None
    ) -> tuple[Method, ...] | None:
        previous = vector.override_strategy
        vector.override_strategy = None if strategy is None else tuple(Method(m) for m in strategy)
        self.refresh(vector)
        return previous

    def set_default_resolution(
        self, vector: Vector, resolution: Resolution | None
    ) -> Resolution | None:
        previous = vector.override_default
        vector.override_default = None if resolution is None else Resolution(resolution)
        self.refresh(vector)
        return previous

    def vectors_for_field(self, resource: str, name: str) -> list[Vector]:
        """The vectors of `resource` that carry field `name` with differing values."""
        return [
            v
            for v in self.vectors
            if v.resource == resource and name in v.differing and v.method is Method.UPDATE
        ]

    def bulk_field_resolution(
        self, resource: str, name: str, resolution: Resolution | None
    ) -> dict[Vector, Resolution | None]:
        """Set one field's resolution in every vector of a resource; returns the old values."""
        previous: dict[Vector, Resolution | None] = {}
        for vector in self.vectors_for_field(resource, name):
            previous[vector] = vector.override_fields.get(name)
            if resolution is None:
                vector.override_fields.pop(name, None)
            else:
                vector.override_fields[name] = Resolution(resolution)
        self.recompute()
        return previous

    def restore_field_resolutions(
        self, name: str, previous: dict[Vector, Resolution | None]
    ) -> None:
        for vector, resolution in previous.items():
            if resolution is None:
                vector.override_fields.pop(name, None)
            else:
                vector.override_fields[name] = resolution
        self.recompute()

    # ----- summaries
    def counts(self) -> Counter[str]:
        counts: Counter[str] = Counter(v.action.value for v in self.vectors)
        counts[Action.UNCHANGED.value] += len(self.unchanged)
        counts["conflicts"] = sum(1 for v in self.vectors if v.conflicts)
        counts["blocked"] = sum(1 for v in self.vectors if v.blocked)
        return counts

    def counts_by_resource(self) -> dict[str, Counter[str]]:
        per: dict[str, Counter[str]] = defaultdict(Counter)
        for vector in self.vectors:
            per[vector.resource][vector.action.value] += 1
        for resource, count in self.unchanged.counts_by_resource().items():
            per[resource][Action.UNCHANGED.value] += count
        return dict(sorted(per.items()))

    @property
    def writes(self) -> list[Vector]:
        return [v for v in self.vectors if v.action in WRITING_ACTIONS]

    @property
    def has_overrides(self) -> bool:
        return any(v.has_overrides for v in self.vectors)
