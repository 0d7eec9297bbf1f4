"""THIS's rows of unchanged records, read lean: uuid, label, modification time, master.

An unchanged row needs four things from THIS, not a typed record: typing every field of
every unchanged row (what `SqlDataset.fetch` does) cost most of `truce preview --json`.
Here only the modification time is typed always; the label's fields are typed on demand,
in the order `label_for` looks at them, so its answer is the same as for the typed record.

Two ways to read: by keys (a page of the window's Unchanged tab) and `scan`, one ordered
pass over a table merged with the sorted keys of a whole resource (every unchanged row,
for `--json`, reports and digests): one statement per resource instead of one per 500
keys, each of which repeats the component link's join.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from core.batching import KEYS_PER_LOOKUP, chunks
from core.identity import canonical_uuid
from core.records import LABEL_FIELDS, LazyLabel
from core.schema import Column, Kind
from core.sources.sql import SqlDataset
from core.unchanged import ThisRow
from core.values import converter

_MODIFIED = converter(Column("modified_on", Kind.DATETIME))
_UNKNOWN: Any = object()
_TIMES_KEPT = 4096
# Text that core.timestamps.parse_timestamp reads as a naive time, with nothing to strip
_PLAIN_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?\Z")


class _Shape:
    """What to select of THIS's rows of one resource, and how to make a `ThisRow` of one.

    The select is `SqlDataset.row_shape`'s with fewer columns: the key, uuid and
    modification time, the fields a label can come from (the label fields, and fields
    whose typed value can be text: a reference's uuid, strings, JSON, untyped columns;
    numbers, booleans and dates never are) and the masters' uuids. Turning each column of
    a row into a Python value is most of what reading costs."""

    def __init__(self, dataset: SqlDataset, resource: str) -> None:
        shape = dataset.row_shape(resource)
        columns = dataset.schema.resources[resource].columns
        selected = shape.statement.selected_columns
        wanted = [0, 1, 2]  # key, uuid, modified_on
        refs = {ref.field: uuid_pos for _field_pos, uuid_pos, ref in shape.references}
        typed: dict[str, Callable[[Any], Any]] = {}
        pairs = zip(shape.fields, shape.convert, strict=True)
        for pos, (name, convert) in enumerate(pairs, start=6):
            if name in refs:
                wanted.append(refs[name])
                typed[name] = _reference(len(wanted) - 1)
            elif name in LABEL_FIELDS or _may_be_text(columns[name]):
                wanted.append(pos)
                text = columns[name].kind is Kind.STRING and not columns[name].char_boolean
                typed[name] = (_text if text else _field)(len(wanted) - 1, convert)
        self.links = []
        for pos, link in shape.links:
            wanted.append(pos)
            self.links.append((len(wanted) - 1, link.master))
        self.statement = shape.statement.with_only_columns(*(selected[i] for i in wanted))
        self.pk = selected[0]
        self.label = LazyLabel(typed)
        self._times: dict[Any, datetime | None] = {}

    def row(self, raw: Any) -> ThisRow:
        modified = self._times.get(raw[2], _UNKNOWN)
        if modified is _UNKNOWN:
            modified = self._time(raw[2])
        return ThisRow(canonical_uuid(raw[1]) or "", self.label(raw), modified, self._master(raw))

    def _time(self, raw: Any) -> datetime | None:
        """`modified_on` typed; many rows share one (one import, one sync): typed once."""
        try:
            modified = _modified(raw)
        except ValueError:  # the typed record holds None (and a problem) for it
            modified = None
        if len(self._times) >= _TIMES_KEPT:
            self._times.clear()
        self._times[raw] = modified
        return modified

    def _master(self, raw: Any) -> tuple[str, str] | None:
        for pos, master in self.links:
            uuid = canonical_uuid(raw[pos])
            if uuid is not None:
                return (master, uuid)
        return None


def _modified(raw: Any) -> datetime | None:
    """`modified_on` typed as the record types it, the usual naive text the short way."""
    if type(raw) is str and _PLAIN_TIME.match(raw):
        return datetime.fromisoformat(raw).replace(tzinfo=UTC)  # naive means UTC
    return _MODIFIED(raw)


def _may_be_text(column: Column) -> bool:
    return not column.char_boolean and column.kind in (Kind.STRING, Kind.JSON, Kind.OTHER)


def _field(pos: int, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def value(raw: Any) -> Any:
        try:
            return convert(raw[pos])
        except ValueError:
            return None

    return value


def _text(pos: int, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`_field` of a text column, whose text values are taken as they are."""

    def value(raw: Any) -> Any:
        item = raw[pos]
        if item is None or type(item) is str:
            return item
        try:
            return convert(item)
        except ValueError:
            return None

    return value


def _reference(pos: int) -> Callable[[Any], Any]:
    return lambda raw: canonical_uuid(raw[pos])


class ThisRows:
    """The `ThisReader` of an `UnchangedSet` planned against a THIS database."""

    def __init__(self, this: SqlDataset) -> None:
        self.this = this
        self._shapes: dict[str, _Shape] = {}

    def _shape(self, resource: str) -> _Shape:
        if resource not in self._shapes:
            self._shapes[resource] = _Shape(self.this, resource)
        return self._shapes[resource]

    def __call__(self, resource: str, keys: Sequence[Any]) -> dict[Any, ThisRow]:
        """The rows of these keys (keys THIS no longer has are left out)."""
        shape = self._shape(resource)
        found: dict[Any, ThisRow] = {}
        with self.this.engine.connect() as conn:
            for batch in chunks(keys, KEYS_PER_LOOKUP):
                for raw in conn.execute(shape.statement.where(shape.pk.in_(batch))):
                    found[raw[0]] = shape.row(raw)
        return found

    def scan(self, resource: str, keys: Sequence[int]) -> Iterator[tuple[int, ThisRow]]:
        """(key, row) for the `keys` (ascending integers) THIS still has, in that order,
        from one pass over the table; rows of other keys are skipped untyped."""
        if not keys:
            return
        shape = self._shape(resource)
        statement = shape.statement.where(shape.pk.between(keys[0], keys[-1]))
        at, end = 0, len(keys)
        with self.this.engine.connect() as conn:
            rows = conn.execution_options(yield_per=2000).execute(statement.order_by(shape.pk))
            try:
                for raw in rows:
                    key = raw[0]
                    if type(key) is not int:  # SQLite lets a key column hold text: never ours
                        continue
                    while at < end and keys[at] < key:
                        at += 1
                    if at == end:
                        break
                    if keys[at] == key:
                        yield key, shape.row(raw)
            finally:
                # Also when the caller stops early (`any(...)`): PostgreSQL's server-side
                # cursor must close before its connection goes back to the pool.
                rows.close()
