"""Derived state of a plan's vectors (action, reason, blocked), kept current incrementally.

A vector's derived state depends on its own settings (method, strategy, resolutions,
problems), on its master's action (a skipped or failed master skips its components) and
on the actions of the vectors its written references point to, when the target is not in
THIS (an uncreated target blocks the reference). The derived actions are the greatest
fixed point of these rules: every vector starts at its own action and only ever falls to
SKIP, so any evaluation order reaches the same result.

After an override only the changed vectors and what depends on them (components and
referencing vectors, transitively: the *region*) are re-derived; everything outside the
region depends on nothing inside it and keeps its state. Reasons are computed from final
actions alone, so an incremental derivation gives exactly the full one (docs/semantics.md,
Vectors).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from core import steps
from core.steps import Steps, chunks, run_steps
from core.vectors import Vector, changed_fields, effective_strategy
from core.vocabulary import Action, Method

if TYPE_CHECKING:
    from core.plan import Plan

_DEAD = (Action.SKIP, Action.ERROR)
_WRITING = (Action.CREATE, Action.UPDATE)
_NESTING = 8  # masters above masters: never deeper in Eden, and cycles stop here
State = tuple[Action, str, dict[str, str]]


class Derivation:
    """Positions, dependency edges and the derivation rules of one plan."""

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        vectors = plan.vectors
        self.position: dict[tuple[str, str], int] = {v.identity: n for n, v in enumerate(vectors)}
        # Positions of the vectors with an override: kept here, where every change of
        # overrides passes, so "are there any?" is not a scan of the plan per repaint.
        self.overridden: set[int] = set()
        # Each vector's changed fields, while one derivation runs: the rules read them up
        # to three times per vector, and settings do not change during a derivation.
        self._changes: dict[int, dict[str, Any]] | None = None
        self._dependents: dict[int, list[int]] = defaultdict(list)
        for n, vector in enumerate(vectors):
            for target in self._targets(vector):
                self._dependents[target].append(n)

    def _targets(self, vector: Vector) -> set[int]:
        """Positions of the vectors whose actions this vector's derivation reads."""
        found: set[int] = set()
        if vector.parent is not None and vector.parent in self.position:
            found.add(self.position[vector.parent])
        for name, target in vector.references.items():
            value = vector.other_values.get(name)
            if value is None or self._plan.this_has(target, value):
                continue
            where = self.position.get((target, value))
            if where is not None:
                found.add(where)
        found.discard(self.position[vector.identity])
        return found

    # ----- entry points
    def derive_all(self) -> set[int]:
        """Derive every vector; the positions whose state changed."""
        return self.derive(range(len(self._plan.vectors)), seeds_changed=False)

    def derive(self, seeds: Iterable[int], seeds_changed: bool = True) -> set[int]:
        """Re-derive `seeds` and their dependents; the positions whose state changed.

        The seeds count as changed unless told otherwise: their settings (and so their
        field outcomes) changed even when their action did not.
        """
        return run_steps(self.derive_steps(seeds, seeds_changed))

    def derive_steps(self, seeds: Iterable[int], seeds_changed: bool = True) -> Steps[set[int]]:
        """`derive`, yielding between chunks of vectors (core/steps.py). Settings must not
        change until it returns: the window queues every decision meanwhile."""
        self._changes = {}
        try:
            return (yield from self._derive(set(seeds), seeds_changed))
        finally:
            self._changes = None

    def _derive(self, seeds: set[int], seeds_changed: bool) -> Steps[set[int]]:
        region = yield from self._region(seeds)
        ordered = sorted(region)
        large = len(ordered) > steps.STEP  # a pause between phases too: each is long
        if large:
            yield
        vectors = self._plan.vectors
        for i, chunk in enumerate(chunks(sorted(seeds))):
            if i:
                yield
            for n in chunk:
                if vectors[n].has_overrides:
                    self.overridden.add(n)
                else:
                    self.overridden.discard(n)
        if large:
            yield
        before: dict[int, State] = {}
        own: dict[int, tuple[Action, str]] = {}
        for i, chunk in enumerate(chunks(ordered)):
            if i:
                yield
            for n in chunk:
                vector = vectors[n]
                before[n] = _state(vector)
                vector.action, vector.reason = own[n] = self.own_action(vector)
                vector.blocked = {}
        yield from self._settle(ordered, region)
        if large:
            yield
        changed: set[int] = set()
        for i, chunk in enumerate(chunks(ordered)):
            if i:
                yield
            for n in chunk:
                vector = vectors[n]
                self._describe(vector, own[n])
                if _state(vector) != before[n]:
                    changed.add(n)
        return changed | seeds if seeds_changed else changed

    def _region(self, seeds: set[int]) -> Steps[set[int]]:
        """The seeds and everything that depends on them, transitively."""
        region = set(seeds)
        work = list(seeds)
        dependents, step, done = self._dependents, steps.STEP, 0
        while work:
            done += 1
            if done % step == 0:
                yield
            for dependent in dependents.get(work.pop(), ()):
                if dependent not in region:
                    region.add(dependent)
                    work.append(dependent)
        return region

    def _settle(self, ordered: list[int], region: set[int]) -> Steps[None]:
        """Fall to SKIP what a dead master or an uncreated target forces, until stable."""
        vectors = self._plan.vectors
        work = deque(ordered)
        done = 0
        while work:
            done += 1
            if done % steps.STEP == 0:
                yield
            n = work.popleft()
            vector = vectors[n]
            if vector.action in _DEAD:
                continue
            if self._dead_master(vector) is None and not (
                vector.action in _WRITING and self._unresolved_names(vector)
            ):
                continue
            vector.action = Action.SKIP
            work.extend(d for d in self._dependents.get(n, ()) if d in region)

    # ----- rules
    def own_action(self, vector: Vector) -> tuple[Action, str]:
        """The action a vector's own settings give, before masters and references."""
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
            resource = self._plan.schema.resources[vector.resource]
            if not resource.has(resource.meta.deleted):
                return Action.SKIP, f"{vector.resource} has no deleted column to mark"
            return Action.DELETE, ""
        if self._changed(vector):
            return Action.UPDATE, ""
        return Action.UNCHANGED, "THIS values kept" if vector.differing else ""

    def _master_missing(self, vector: Vector) -> bool:
        """A new component whose master has no vector and is not in THIS (e.g. the master
        is deleted in OTHER and THIS never had it): there is nothing to link it to."""
        parent = vector.parent
        return (
            parent is not None and parent not in self.position and not self._plan.this_has(*parent)
        )

    def _dead_master(self, vector: Vector) -> Vector | None:
        if vector.parent is None:
            return None
        where = self.position.get(vector.parent)
        master = self._plan.vectors[where] if where is not None else None
        return master if master is not None and master.action in _DEAD else None

    def _written(self, vector: Vector) -> dict[str, Any]:
        # By method, not action: a blocked creation still writes every field once unblocked.
        return vector.other_values if vector.method is Method.CREATE else self._changed(vector)

    def _changed(self, vector: Vector) -> dict[str, Any]:
        cache = self._changes
        if cache is None:
            return changed_fields(vector)
        found = cache.get(id(vector))
        if found is None:
            found = cache[id(vector)] = changed_fields(vector)
        return found

    def _unresolved_names(self, vector: Vector) -> list[str]:
        """Written fields whose reference points nowhere, judged by current actions."""
        return [n for n, why in self._unresolved(vector, _short_why).items() if why]

    def _unresolved(
        self, vector: Vector, why_not_created: Callable[[Derivation, Vector], str]
    ) -> dict[str, str]:
        blocked: dict[str, str] = {}
        for name, value in self._written(vector).items():
            if name in vector.dangling:
                blocked[name] = vector.dangling[name]
                continue
            target = vector.references.get(name)
            if target is None or value is None or self._plan.this_has(target, value):
                continue
            where = self.position.get((target, value))
            if where is None:
                blocked[name] = f"{target} {value} is in neither dataset"
                continue
            other = self._plan.vectors[where]
            if other.action is not Action.CREATE:
                blocked[name] = why_not_created(self, other)
        return blocked

    def _describe(self, vector: Vector, own_action: tuple[Action, str]) -> None:
        """Set reason and blocked from the final actions (the action is already final)."""
        own, reason = own_action
        master = self._dead_master(vector)
        if own is not Action.ERROR and master is not None:
            vector.action, vector.blocked = Action.SKIP, {}
            vector.reason = f"master {master.resource} {master.uuid} is {master.action.value}"
            return
        vector.action, vector.reason, vector.blocked = own, reason, {}
        if own in _WRITING:
            blocked = self._unresolved(vector, _long_why)
            if blocked:
                vector.blocked = blocked
                vector.action = Action.SKIP
                vector.reason = "blocked reference: " + "; ".join(
                    f"{name} → {why}" for name, why in blocked.items()
                )

    def brief_reason(self, vector: Vector) -> str:
        """Why a vector has its action, without naming further vectors (one level deep)."""
        master = self._dead_master(vector)
        own, reason = self.own_action(vector)
        if own is not Action.ERROR and master is not None:
            return f"master {master.resource} {master.uuid} is {master.action.value}"
        if own in _WRITING and vector.action is Action.SKIP:
            return "blocked reference: " + ", ".join(self._unresolved_names(vector))
        return reason


def _short_why(derivation: Derivation, target: Vector) -> str:
    return "not created"


def _long_why(derivation: Derivation, target: Vector) -> str:
    why = derivation.brief_reason(target)
    return f"{target.resource} {target.uuid} is not created ({target.action.value}: {why})"


def _state(vector: Vector) -> State:
    return vector.action, vector.reason, vector.blocked
