"""A plan: every vector of one THIS/OTHER pair, the operator's overrides, and the actions.

Records that are identical on both sides are only counted, in an `UnchangedSet` that pages
them from THIS on demand: no policy or override can make them write anything, and at a
million records they would otherwise dominate memory.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core.derivation import Derivation
from core.schema import Schema
from core.steps import Steps, chunks, run_steps
from core.unchanged import Unchanged, UnchangedSet
from core.vectors import Vector
from core.vocabulary import WRITING_ACTIONS, Action, Method, Resolution

__all__ = ["Changed", "Plan", "Unchanged", "UnchangedSet"]


class Changed(NamedTuple):
    """What an override replaced, and the positions of the vectors it changed."""

    previous: Any
    vectors: set[int]


class Edited(NamedTuple):
    """A value the person typed for a field (None inside means NULL, not "no edit")."""

    value: Any


@dataclass
class Plan:
    """All vectors of one pair, with lookups, overrides and derived actions."""

    schema: Schema
    this_source: str
    other_source: str
    vectors: list[Vector]
    unchanged: UnchangedSet  # a list of `Unchanged` rows is accepted and held as given
    # resource -> canonical uuid -> local key: a dict, or a core.sources.key_lookup.KeyLookup
    # (same `get` and `in`) that asks THIS, for resources planned in SQLite
    this_index: dict[str, Any]
    policy_name: str = "fallback"
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.unchanged, UnchangedSet):
            self.unchanged = UnchangedSet.of_rows(self.unchanged)
        self._by_identity = {v.identity: v for v in self.vectors}
        self._children: dict[tuple[str, str], list[Vector]] = defaultdict(list)
        # (resource, field) -> the updates where that field differs: what a bulk override
        # touches, found without a pass over every vector (values never change).
        self._by_field: dict[tuple[str, str], list[Vector]] = defaultdict(list)
        for vector in self.vectors:
            if vector.parent is not None:
                self._children[vector.parent].append(vector)
            if vector.method is Method.UPDATE:
                for name in vector.differing:
                    self._by_field[(vector.resource, name)].append(vector)
        self._derivation = Derivation(self)
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

    # ----- derived actions (core/derivation.py)
    def position(self, vector: Vector) -> int:
        """Where `vector` is in `vectors`: change sets name vectors by position."""
        return self._derivation.position[vector.identity]

    @property
    def positions(self) -> Mapping[tuple[str, str], int]:
        """Every vector's position by identity (not to be changed)."""
        return self._derivation.position

    def recompute(self) -> set[int]:
        """Derive every vector's action and reason; the positions whose state changed."""
        return self._derivation.derive_all()

    def rederive(self, vectors: Iterable[Vector]) -> set[int]:
        """Re-derive `vectors` after their settings changed, and what depends on them."""
        return self._derivation.derive(self.position(v) for v in vectors)

    def rederive_steps(self, vectors: Iterable[Vector]) -> Steps[set[int]]:
        """`rederive` in steps (core/steps.py)."""
        position, seeds = self._derivation.position, set[int]()
        for i, chunk in enumerate(chunks(list(vectors))):
            if i:
                yield
            seeds.update(position[v.identity] for v in chunk)
        return (yield from self._derivation.derive_steps(seeds))

    def refresh(self, vector: Vector) -> set[int]:
        return self.rederive((vector,))

    # ----- overrides: each returns what it replaced (for undo) and the positions of the
    # vectors whose derived state or field outcomes changed (for a narrow repaint)
    def set_field_resolution(
        self, vector: Vector, name: str, resolution: Resolution | None
    ) -> Changed:
        previous = vector.override_fields.get(name)
        _set_field(vector, name, None if resolution is None else Resolution(resolution))
        return Changed(previous, self.rederive((vector,)))

    def set_field_value(self, vector: Vector, name: str, edit: Edited | None) -> Changed:
        """A value the person typed for `name` (None drops it); `previous` is the old Edited.

        Only fields the OTHER record carries can be edited (a vector writes nothing else),
        and only in an update: a create writes OTHER's record as it is.
        """
        if name not in vector.other_values or vector.method is not Method.UPDATE:
            raise ValueError(f"{vector.resource}.{name} cannot take a typed value here")
        edited = vector.edited or {}
        previous = Edited(edited[name]) if name in edited else None
        if edit is None:
            edited.pop(name, None)
        else:
            edited[name] = edit.value
        vector.edited = edited or None
        return Changed(previous, self.rederive((vector,)))

    def set_strategy(self, vector: Vector, strategy: Iterable[Method] | None) -> Changed:
        previous = vector.override_strategy
        vector.override_strategy = None if strategy is None else tuple(Method(m) for m in strategy)
        return Changed(previous, self.rederive((vector,)))

    def set_default_resolution(self, vector: Vector, resolution: Resolution | None) -> Changed:
        previous = vector.override_default
        vector.override_default = None if resolution is None else Resolution(resolution)
        return Changed(previous, self.rederive((vector,)))

    def vectors_for_field(self, resource: str, name: str) -> list[Vector]:
        """The updates of `resource` that carry field `name` with differing values."""
        return list(self._by_field.get((resource, name), ()))

    def bulk_field_resolution(
        self, resource: str, name: str, resolution: Resolution | None
    ) -> Changed:
        """Set one field's resolution in every vector of a resource; `previous` maps each
        touched vector to its old value."""
        return run_steps(self.bulk_field_resolution_steps(resource, name, resolution))

    def bulk_field_resolution_steps(
        self, resource: str, name: str, resolution: Resolution | None
    ) -> Steps[Changed]:
        """`bulk_field_resolution` in steps (core/steps.py): a window runs it in slices."""
        chosen = None if resolution is None else Resolution(resolution)
        previous: dict[Vector, Resolution | None] = {}
        for i, chunk in enumerate(chunks(self.vectors_for_field(resource, name))):
            if i:
                yield
            for vector in chunk:
                previous[vector] = vector.override_fields.get(name)
                _set_field(vector, name, chosen)
        return Changed(previous, (yield from self.rederive_steps(previous)))

    def restore_field_resolutions(
        self, name: str, previous: dict[Vector, Resolution | None]
    ) -> Changed:
        return run_steps(self.restore_field_resolutions_steps(name, previous))

    def restore_field_resolutions_steps(
        self, name: str, previous: dict[Vector, Resolution | None]
    ) -> Steps[Changed]:
        """Put back what `bulk_field_resolution` replaced, in steps."""
        for i, chunk in enumerate(chunks(list(previous.items()))):
            if i:
                yield
            for vector, resolution in chunk:
                _set_field(vector, name, resolution)
        return Changed(None, (yield from self.rederive_steps(previous)))

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
        """Whether any vector has an override (overrides change only through derivation)."""
        return bool(self._derivation.overridden)


def _set_field(vector: Vector, name: str, resolution: Resolution | None) -> None:
    if resolution is None:
        vector.override_fields.pop(name, None)
    else:
        vector.override_fields[name] = resolution
