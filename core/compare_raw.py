"""Deciding "unchanged" on THIS's raw row, before typing it (the general path).

When OTHER is not a SQLite file the SQL join cannot help, but most matched records are
still unchanged. For those, THIS's row is compared raw against OTHER's typed record: a
value is accepted without a converter only when the converter would return it as it is
(text in a text column, an integer in an integer column), and every other value is typed
and compared as the straightforward path does. Anything unusual — a deletion, a problem
on either side, a different master — answers "not surely unchanged", and the caller
types THIS's row and decides exactly as before.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from core.identity import canonical_uuid
from core.records import Record
from core.schema import Column, Kind, Resource
from core.sources.raw import RawRecord
from core.unchanged import SAME_AS_THIS, to_micros
from core.values import Converter, converter

_MISSING = object()
_META = (
    converter(Column("modified_on", Kind.DATETIME)),
    converter(Column("created_on", Kind.DATETIME)),
    None,  # deleted: checked by value below
    converter(Column("mci", Kind.INTEGER)),
)
_FALSE_DELETED = (None, 0, "F", "f")
_DELETED = converter(Column("deleted", Kind.BOOLEAN))
_DIGITS = frozenset("0123456789")
# A timestamp both the strict ISO check and Python read as it is (no zone, no blanks):
# valid exactly when `datetime.fromisoformat` accepts it.
_PLAIN_TIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?\Z"
)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_SHORT = 19  # decimal digits always within 64 bits
_MEMO = 4096  # THIS's raw values remembered typed, per resource


class RawCompare:
    """Checks OTHER records of one resource against THIS's raw rows."""

    def __init__(self, res: Resource, shape: Any) -> None:
        self.res = res
        self.shape = shape
        reference_positions = {pos for pos, _, _ in shape.references}
        self.fields = [
            (pos, name, convert, self._as_is(res.columns[name]))
            for pos, (name, convert) in enumerate(zip(shape.fields, shape.convert, strict=True), 6)
            if pos not in reference_positions
        ]
        self._memo: dict[tuple[int, Any], Any] = {}
        self.references = [
            (field_pos, uuid_pos, ref.field, shape.convert[field_pos - 6])
            for field_pos, uuid_pos, ref in shape.references
        ]

    @staticmethod
    def _as_is(column: Column) -> type | None:
        """The raw type the column's converter returns unchanged, if any."""
        if column.kind is Kind.STRING and not column.char_boolean:
            return str
        if column.kind is Kind.INTEGER:
            return int
        return None

    def unchanged(self, record: Record, row: Any) -> bool:
        """True only when the straightforward path would find the pair unchanged (with
        OTHER's master equal to THIS's); False means "type THIS's row and decide"."""
        deleted = row[4]
        surely_kept = deleted is None or (
            deleted in _FALSE_DELETED and type(deleted) in (int, bool, str)
        )
        if record.deleted or record.problems or not surely_kept or not self._valid_meta(row):
            return False
        values = record.values
        for pos, name, convert, as_is in self.fields:
            raw = row[pos]
            other = values.get(name, _MISSING)
            if raw is None:
                if other is not None and other is not _MISSING:
                    return False
                continue
            if as_is is not None and type(raw) is as_is and other is not _MISSING:
                if raw != other:
                    return False
                continue
            typed = _typed(convert, raw)
            if typed is _MISSING or (other is not _MISSING and typed != other):
                return False
        return self._same_references(values, row) and self._same_master(record, row)

    def unchanged_raw(self, raw: RawRecord, row: Any) -> int | None:
        """OTHER's modification time (micros, or `SAME_AS_THIS`) when the straightforward
        path would find OTHER's raw record (core/sources/raw.py) unchanged against THIS's
        raw row, with OTHER's master equal to THIS's; None means "type both and decide"."""
        deleted = row[4]
        surely_kept = deleted is None or (
            deleted in _FALSE_DELETED and type(deleted) in (int, bool, str)
        )
        values = raw.values
        if values is None or not surely_kept or not self._valid_meta(row):
            return None
        micros = _other_meta(raw.meta, row)
        if micros is None:
            return None
        memo = self._memo
        for pos, name, convert, as_is in self.fields:
            this = row[pos]
            if this is None or type(this) is as_is:
                typed_this = this
            elif type(this) is str:
                # THIS's value must type (whatever OTHER says); the same texts are typed
                # again and again (flags, codes, dates), hence the memo.
                typed_this = memo.get((pos, this), _MISSING)
                if typed_this is _MISSING:
                    typed_this = _typed(convert, this)
                    if typed_this is _MISSING:
                        return None
                    if len(memo) >= _MEMO:
                        memo.clear()
                    memo[(pos, this)] = typed_this
            else:
                typed_this = _typed(convert, this)
                if typed_this is _MISSING:
                    return None
            other = values.get(name, _MISSING)
            if other is _MISSING or (type(other) is type(this) and other == this):
                continue  # equal raw values type alike (THIS's typed above)
            typed = _typed(convert, other)
            if typed is _MISSING or typed != typed_this:
                return None
        if not self._same_references(values, row) or not self._same_master(raw, row):
            return None
        return micros

    def _valid_meta(self, row: Any) -> bool:
        for convert, plain, raw in zip(_META, _PLAIN, row[2:6], strict=True):
            if convert is None or raw is None or plain(raw):
                continue
            if _typed(convert, raw) is _MISSING:
                return False
        return True

    def _same_references(self, values: dict[str, Any], row: Any) -> bool:
        for field_pos, uuid_pos, name, convert in self.references:
            raw = row[field_pos]
            if raw is not None and _typed(convert, raw) is _MISSING:
                return False
            other = values.get(name, _MISSING)
            if other is not _MISSING and other != canonical_uuid(row[uuid_pos]):
                return False
        return True

    def _same_master(self, record: Record | RawRecord, row: Any) -> bool:
        master = next(
            (
                (link.master, canonical_uuid(row[pos]))
                for pos, link in self.shape.links
                if row[pos] is not None
            ),
            None,
        )
        if self.res.links and master is None:
            return False  # THIS's component has no master: a problem
        return record.master == master


def _other_meta(meta: tuple[Any, ...], row: Any) -> int | None:
    """OTHER's modification time when its meta fields type without a problem and say
    it is not deleted, else None. A time written as THIS's (already checked) is
    `SAME_AS_THIS`, and OTHER's is then never parsed."""
    modified_on, created_on, deleted, mci = meta
    if deleted is not None and _meta_value(_DELETED, deleted) not in (None, False):
        return None
    if mci is not None and not _plain_integer(mci) and _meta_value(_META[3], mci) is _MISSING:
        return None
    if (
        created_on is not None
        and not _same_time(created_on, row[3])
        and not _plain_time(created_on)
        and _meta_value(_META[1], created_on) is _MISSING
    ):
        return None
    if _same_time(modified_on, row[2]):
        return SAME_AS_THIS
    typed = _meta_value(_META[0], modified_on)
    return None if typed is _MISSING else to_micros(typed)


def _plain_integer(raw: Any) -> bool:
    """An mci that surely types, checked without its converter: a 64-bit integer, or
    ASCII digits too few to leave 64 bits."""
    if type(raw) is int:
        return _INT64_MIN <= raw <= _INT64_MAX
    return type(raw) is str and raw.isascii() and raw.isdigit() and len(raw) < _SHORT


def _plain_time(raw: Any) -> bool:
    """A timestamp that surely types, checked without its converter (which costs more):
    the plain form, without zone or blanks, that Python's own parser reads."""
    if type(raw) is not str or _PLAIN_TIME.match(raw) is None:
        return False
    try:
        datetime.fromisoformat(raw)
    except ValueError:
        return False
    return True


_PLAIN: tuple[Any, ...] = (
    _plain_time,
    _plain_time,
    None,
    _plain_integer,
)  # per meta field, as _META


def _same_time(other: Any, this: Any) -> bool:
    """The same text, or the same but for the `T` between date and time (a
    `2024-05-01T10:00:00` against THIS's `2024-05-01 10:00:00`): the two type alike."""
    if type(other) is not str or type(this) is not str:
        return False
    if other == this:
        return True
    return (
        len(other) == len(this) > 10
        and other[0] in _DIGITS
        and other[10] == "T"
        and this[10] == " "
        and other[:10] == this[:10]
        and other[11:] == this[11:]
    )


def _meta_value(convert: Converter, raw: Any) -> Any:
    """A meta field typed as `RecordMaker.start` types it (blank text is none)."""
    if isinstance(raw, str) and not raw.strip():
        return None
    return _typed(convert, raw)


def _typed(convert: Converter, raw: Any) -> Any:
    try:
        return convert(raw)
    except (ValueError, TypeError, ArithmeticError):
        return _MISSING
