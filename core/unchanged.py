"""The records a plan found unchanged: counted and paged, not held (docs/semantics.md, Vectors).

A million unchanged records must not become a million Python objects. An `UnchangedSet`
keeps, per resource, THIS's primary keys in a compact array (sorted, so a page is a range
and a lookup is a binary search) and OTHER's modification times as integer microseconds.
The other fields of an `Unchanged` row — label, THIS's modification time, master — are
read from THIS when a page is asked for. The rare rows THIS never had ("deleted in
OTHER, THIS never had it") are held as they are.
"""

from __future__ import annotations

import operator
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import compress, islice
from typing import TYPE_CHECKING, Any, NamedTuple

from core.timestamps import to_utc

if TYPE_CHECKING:
    pass


class Unchanged(NamedTuple):
    """A record OTHER carries exactly as THIS has it (or a no-op deletion).

    For rows read back from THIS, `label` is THIS's label of the record (the values are
    the same on both sides, except for records deleted on both sides).
    """

    resource: str
    uuid: str
    label: str
    this_modified: datetime | None
    other_modified: datetime | None
    parent: tuple[str, str] | None
    note: str


class ThisRow(NamedTuple):
    """What a page needs from THIS's row of an unchanged record."""

    uuid: str
    label: str
    modified: datetime | None
    parent: tuple[str, str] | None


# resource, THIS keys → key: row (keys THIS no longer has are left out)
ThisReader = Callable[[str, Sequence[Any]], dict[Any, ThisRow]]
KeyOf = Callable[[str, str], Any]  # resource, canonical uuid → THIS key or None

NOTES = ("", "deleted on both sides")
NO_TIME = -(2**63)
SAME_AS_THIS = NO_TIME + 1  # OTHER's time is THIS's (the same raw value): read with THIS's row
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_PAGE = 500  # rows read from THIS per query when streaming


def to_micros(value: datetime | None) -> int:
    """A timestamp as integer microseconds since the epoch (exact; NONE for no time)."""
    if value is None:
        return NO_TIME
    return (to_utc(value) - _EPOCH) // _MICRO


def from_micros(value: int) -> datetime | None:
    return None if value == NO_TIME else _EPOCH + value * _MICRO


_GIL_SLICE = 65_536  # keys per C-level pass: a few milliseconds


def _keys_array(keys: Iterable[Any]) -> array | list[Any]:
    """Integer keys as `array('q')` (8 bytes each); any other keys as a list."""
    if isinstance(keys, array):
        return keys
    keys = list(keys)
    try:
        # The type check runs in C (map/set): a part can hold millions of keys.
        return array("q", keys) if set(map(type, keys)) <= {int} else keys
    except OverflowError:
        return keys


@dataclass(slots=True)
class _Part:
    """One resource's unchanged rows, sorted by THIS key."""

    keys: array | list[Any]
    other: array | list[Any]  # OTHER's modified_on in microseconds (NO_TIME for none)
    notes: bytearray | None  # index into NOTES per row; None when every note is ""
    parents: dict[Any, tuple[str, str] | None] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    def find(self, key: Any) -> int | None:
        try:
            at = bisect_left(self.keys, key)
        except TypeError:  # mixed key types (SQLite allows them): no order to search
            return next((i for i, k in enumerate(self.keys) if k == key), None)
        return at if at < len(self.keys) and self.keys[at] == key else None


class UnchangedSet:
    """The unchanged rows of a plan: `len`, per-resource counts, membership and pages.

    Order is stable: resources in `order`, each one's rows by THIS key, then the held rows
    of that resource by uuid.
    """

    def __init__(
        self,
        order: Sequence[str] = (),
        read_this: ThisReader | None = None,
        key_of: KeyOf | None = None,
    ) -> None:
        self._order = list(order)
        self._read_this = read_this
        self._key_of = key_of
        self._parts: dict[str, _Part] = {}
        self._held: dict[str, list[Unchanged]] = {}
        self._cache: tuple[int, list[Unchanged]] = (0, [])

    # ----- building
    @classmethod
    def of_rows(cls, rows: Iterable[Unchanged]) -> UnchangedSet:
        """A set that holds the given rows as they are (small plans, tests, old callers)."""
        result = cls()
        result.hold(*rows)
        return result

    def hold(self, *rows: Unchanged) -> None:
        """Keep rows as they are, each resource's by uuid (so the order does not depend
        on the order OTHER listed them in)."""
        for row in rows:
            if row.resource not in self._held and row.resource not in self._order:
                self._order.append(row.resource)
            self._held.setdefault(row.resource, []).append(row)
        for held in self._held.values():
            held.sort(key=lambda r: r.uuid)
        self._cache = (0, [])

    def set_part(
        self,
        resource: str,
        keys: Iterable[Any],
        other: Iterable[Any],
        *,
        notes: Iterable[int] | None = None,
        parents: dict[Any, tuple[str, str] | None] | None = None,
        is_sorted: bool = False,
    ) -> None:
        """The keyed rows of one resource; `other` (OTHER's times in micros) is parallel."""
        keys = keys if isinstance(keys, (array, list)) else list(keys)
        other = other if isinstance(other, (array, list)) else list(other)
        note_list = None if notes is None else bytearray(notes)
        if not is_sorted and not _ascending(keys):
            order = _sort_order(keys)
            keys = [keys[i] for i in order]
            other = [other[i] for i in order]
            if note_list is not None:
                note_list = bytearray(note_list[i] for i in order)
        if resource not in self._order:
            self._order.append(resource)
        self._parts[resource] = _Part(
            keys=_keys_array(keys),
            other=_keys_array(other),
            notes=note_list if note_list and any(note_list) else None,
            parents=dict(parents or {}),
        )
        self._cache = (0, [])

    def remove(self, resource: str, keys: Iterable[Any]) -> list[Unchanged]:
        """Take keyed rows out (they became vectors); returns them as they were."""
        part = self._parts.get(resource)
        drop = {k for k in keys if part is not None and part.find(k) is not None}
        if not drop or part is None:
            return []
        removed = self._rows(resource, part, sorted(drop, key=_sort_key), lookup=True)
        # Which rows stay, worked out in C (map/compress): a part can hold millions. In
        # slices, so the thread that builds a plan lets the window's run between them
        # (one C call over a million keys held the GIL for ~230 ms).
        keep: list[bool] = []
        for start in range(0, len(part.keys), _GIL_SLICE):
            window = part.keys[start : start + _GIL_SLICE]
            keep.extend(map(operator.not_, map(drop.__contains__, window)))
        self.set_part(
            resource,
            _kept(part.keys, keep),
            _kept(part.other, keep),
            notes=None if part.notes is None else bytearray(compress(part.notes, keep)),
            parents={k: p for k, p in part.parents.items() if k not in drop},
            is_sorted=True,
        )
        return removed

    def remove_held(self, identities: set[tuple[str, str]]) -> None:
        for resource, rows in self._held.items():
            self._held[resource] = [r for r in rows if (r.resource, r.uuid) not in identities]
        self._cache = (0, [])

    # ----- the contract
    def __len__(self) -> int:
        return sum(len(p) for p in self._parts.values()) + sum(len(h) for h in self._held.values())

    def __bool__(self) -> bool:
        return len(self) > 0

    def counts_by_resource(self) -> dict[str, int]:
        counts = {
            name: len(self._parts.get(name, ())) + len(self._held.get(name, ()))
            for name in self._order
        }
        return {name: n for name, n in counts.items() if n}

    def contains(self, resource: str, uuid: str) -> bool:
        if any(r.uuid == uuid for r in self._held.get(resource, ())):
            return True
        part = self._parts.get(resource)
        if part is None or self._key_of is None:
            return False
        key = self._key_of(resource, uuid)
        return key is not None and part.find(key) is not None

    def key_of(self, resource: str, uuid: str) -> Any:
        """THIS's key of an unchanged keyed row, or None."""
        part = self._parts.get(resource)
        if part is None or self._key_of is None:
            return None
        key = self._key_of(resource, uuid)
        return key if key is not None and part.find(key) is not None else None

    def held_rows(self) -> Iterator[Unchanged]:
        """The rows THIS never had (kept as they are, not read from THIS)."""
        for rows in self._held.values():
            yield from rows

    def page(self, start: int, stop: int) -> list[Unchanged]:
        """Rows `start` to `stop` (exclusive) in the set's order, read from THIS."""
        start, stop = max(start, 0), min(stop, len(self))
        rows: list[Unchanged] = []
        offset = 0
        for resource in self._order:
            part = self._parts.get(resource)
            held = self._held.get(resource, [])
            keyed = len(part) if part is not None else 0
            end = offset + keyed + len(held)
            if start < end and stop > offset:
                lo, hi = max(start - offset, 0), min(stop - offset, keyed + len(held))
                if part is not None and lo < keyed:
                    rows += self._rows(resource, part, range(lo, min(hi, keyed)))
                rows += held[max(lo - keyed, 0) : max(hi - keyed, 0)]
            offset = end
            if offset >= stop:
                break
        return rows

    def __getitem__(self, index: int) -> Unchanged:
        """One row (a page around it is cached, so sequential access reads in pages)."""
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        first, rows = self._cache
        if not first <= index < first + len(rows):
            first = index - index % _PAGE
            rows = self.page(first, first + _PAGE)
            self._cache = (first, rows)
        return rows[index - first]

    def __iter__(self) -> Iterator[Unchanged]:
        scan = getattr(self._read_this, "scan", None)
        if scan is None:
            for start in range(0, len(self), _PAGE):
                yield from self.page(start, start + _PAGE)
            return
        # A reader that can scan reads each resource in one ordered pass, not by pages.
        for resource in self._order:
            part = self._parts.get(resource)
            if part is not None and isinstance(part.keys, array):
                yield from self._scanned(resource, part, scan(resource, part.keys))
            elif part is not None:
                for start in range(0, len(part), _PAGE):
                    yield from self._rows(
                        resource, part, range(start, min(start + _PAGE, len(part)))
                    )
            yield from self._held.get(resource, ())

    # ----- internals
    def _rows(
        self, resource: str, part: _Part, positions: Iterable[Any], *, lookup: bool = False
    ) -> list[Unchanged]:
        """Rows at `positions` (or, with `lookup`, of those THIS keys)."""
        index: list[int] = (
            [i for i in map(part.find, positions) if i is not None] if lookup else list(positions)
        )
        keys = [part.keys[i] for i in index]
        this = self._read_this(resource, keys) if self._read_this and keys else {}
        rows = []
        for i, key in zip(index, keys, strict=True):
            found = this.get(key)
            if found is not None:  # else THIS lost the row since the plan was made
                rows.append(_row(resource, part, i, key, found))
        return rows

    def _scanned(
        self, resource: str, part: _Part, found: Iterator[tuple[Any, ThisRow]]
    ) -> Iterator[Unchanged]:
        """Rows from a reader's scan: (key, row) in the part's key order, lost keys left out."""
        at = 0
        keys = part.keys
        for key, row in found:
            while keys[at] != key:
                at += 1
            yield _row(resource, part, at, key, row)


def _row(resource: str, part: _Part, i: int, key: Any, found: ThisRow) -> Unchanged:
    """The row at position `i` of `part`, whose THIS key `key` read back as `found`."""
    other_modified = part.other[i]
    other_time = found.modified if other_modified == SAME_AS_THIS else from_micros(other_modified)
    note = NOTES[part.notes[i]] if part.notes is not None else ""
    parent = part.parents.get(key, found.parent)
    return Unchanged(resource, found.uuid, found.label, found.modified, other_time, parent, note)


def _sort_key(key: Any) -> tuple[str, Any]:
    return (type(key).__name__, key)


def _kept(column: array | list[Any], keep: list[bool]) -> array | list[Any]:
    """The column's items where `keep` is true, as the same kind of column."""
    if isinstance(column, array):
        return array(column.typecode, compress(column, keep))
    return list(compress(column, keep))


def _ascending(keys: Sequence[Any]) -> bool:
    try:
        return all(map(operator.lt, keys, islice(keys, 1, None)))
    except TypeError:
        return False


def _sort_order(keys: Sequence[Any]) -> list[int]:
    try:
        return sorted(range(len(keys)), key=keys.__getitem__)
    except TypeError:  # mixed key types (SQLite allows them): group by type
        return sorted(range(len(keys)), key=lambda i: _sort_key(keys[i]))
