"""How a table's stored rows are read (the select and its positions) and typed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from core.records import Problem
from core.schema import Column, ComponentLink, Kind, Reference, Resource
from core.values import Converter, raw_converter, to_string


@dataclass(frozen=True, slots=True)
class RowShape:
    """A select and how to read its rows: pk, uuid, 4 meta, fields, ref uuids, links."""

    statement: sa.Select
    key: sa.ColumnElement  # the primary key column the rows are selected by
    fields: tuple[str, ...]
    convert: tuple[Converter, ...]  # one per field
    raw_convert: tuple[Converter, ...]  # the same for values that are not None
    references: tuple[tuple[int, int, Reference], ...]  # (field pos, uuid pos, reference)
    links: tuple[tuple[int, ComponentLink], ...]  # (master uuid pos, link)


# Meta fields are typed by their role, not their column: Eden keeps `deleted` in a CHAR(1)
# and some tools keep timestamps in TEXT columns.
_META_RAW: tuple[Converter, ...] = tuple(
    raw_converter(Column(name, kind))
    for name, kind in (
        ("modified_on", Kind.DATETIME),
        ("created_on", Kind.DATETIME),
        ("deleted", Kind.BOOLEAN),
        ("mci", Kind.INTEGER),
    )
)


def meta_values(res: Resource, raw: Iterable[Any], problems: list[Problem]) -> list[Any]:
    """modified_on, created_on, deleted and mci of a row, typed by their role."""
    return typed_values(_meta_names(res), _META_RAW, raw, problems)


def _meta_names(res: Resource) -> tuple[str, str, str, str]:
    meta = res.meta
    return (meta.modified_on, meta.created_on, meta.deleted, meta.mci)


def typed_values(
    names: Iterable[str], converts: Iterable[Converter], raw: Iterable[Any], problems: list[Problem]
) -> list[Any]:
    """The typed values (None when the value is None or bad; a bad one is a problem).
    `raw` may go on past the names (a row's reference and link columns)."""
    values: list[Any] = []
    # One loop, one call per value that is not None: this runs for every typed row.
    for name, convert, value in zip(names, converts, raw, strict=False):
        if value is None:
            values.append(None)
            continue
        if convert is to_string and type(value) is str:
            values.append(value)  # most values: text in a text field, nothing to type
            continue
        try:
            values.append(convert(value))
        except ValueError as exc:
            problems.append(Problem(name, str(exc)))
            values.append(None)
    return values
