"""Unchanged rows gathered while a plan is built, in arrays, then made an `UnchangedSet`."""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from core.records import Record
from core.unchanged import NOTES, KeyOf, ThisReader, Unchanged, UnchangedSet, to_micros


class UnchangedBuilder:
    """Unchanged rows while the plan is built: THIS keys and OTHER times per resource,
    in compact arrays (integer keys) rather than a Python object per row."""

    def __init__(self) -> None:
        self.keys: dict[str, array | list[Any]] = defaultdict(lambda: array("q"))
        self.other: dict[str, array] = defaultdict(lambda: array("q"))
        self.notes: dict[str, bytearray] = defaultdict(bytearray)
        self.parents: dict[str, dict[Any, tuple[str, str] | None]] = defaultdict(dict)
        self.held: list[Unchanged] = []

    def add(self, record: Record, this: Record, note: str) -> None:
        self.add_keyed(record.resource, this.key, to_micros(record.modified_on), NOTES.index(note))
        if record.master != this.master:
            self.parents[record.resource][this.key] = record.master

    def add_keyed(self, resource: str, key: Any, other_micros: int, note: int) -> None:
        keys = self.keys[resource]
        try:
            keys.append(key)
        except (TypeError, OverflowError):  # not a 64-bit integer key: hold them in a list
            keys = self.keys[resource] = [*keys, key]
        self.other[resource].append(other_micros)
        self.notes[resource].append(note)

    def add_many(
        self,
        resource: str,
        keys: Sequence[Any],
        other_micros: Sequence[int],
        notes: Sequence[int],
    ) -> None:
        """`add_keyed` for many rows at once (parallel lists)."""
        if not keys:
            return
        column = self.keys[resource]
        try:
            column.extend(keys)
        except (TypeError, OverflowError):  # not 64-bit integer keys: hold them in a list
            if isinstance(column, array):
                # extend() may have taken a prefix before it failed: keep what it had.
                column = self.keys[resource] = list(column[: len(self.other[resource])])
            column.extend(keys)
        self.other[resource].extend(other_micros)
        self.notes[resource].extend(notes)

    def discard(self, identities: set[tuple[str, str]], index: dict[str, Any]) -> None:
        self.held = [u for u in self.held if (u.resource, u.uuid) not in identities]
        for resource, uuid in identities:
            key = index.get(resource, {}).get(uuid)
            keys = self.keys.get(resource, [])
            if key is not None and key in keys:
                at = keys.index(key)
                for column in (keys, self.other[resource], self.notes[resource]):
                    del column[at]

    def build(self, order: Sequence[str], read_this: ThisReader, key_of: KeyOf) -> UnchangedSet:
        result = UnchangedSet(order, read_this=read_this, key_of=key_of)
        for resource, keys in self.keys.items():
            result.set_part(
                resource,
                keys,
                self.other[resource],
                notes=self.notes[resource],
                parents=self.parents.get(resource),
            )
        result.hold(*self.held)
        return result
