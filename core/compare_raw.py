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

from typing import Any

from core.identity import canonical_uuid
from core.records import Record
from core.schema import Column, Kind, Resource
from core.values import Converter, converter

_MISSING = object()
_META = (
    converter(Column("modified_on", Kind.DATETIME)),
    converter(Column("created_on", Kind.DATETIME)),
    None,  # deleted: checked by value below
    converter(Column("mci", Kind.INTEGER)),
)
_FALSE_DELETED = (None, 0, "F", "f")


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

    def _valid_meta(self, row: Any) -> bool:
        for convert, raw in zip(_META, row[2:6], strict=True):
            if convert is not None and raw is not None and _typed(convert, raw) is _MISSING:
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

    def _same_master(self, record: Record, row: Any) -> bool:
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


def _typed(convert: Converter, raw: Any) -> Any:
    try:
        return convert(raw)
    except (ValueError, TypeError, ArithmeticError):
        return _MISSING
