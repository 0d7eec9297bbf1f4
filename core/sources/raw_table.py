"""A table as SQLAlchemy Core sees it when values must pass unprocessed."""

from __future__ import annotations

import sqlalchemy as sa

from core.schema import Resource


def raw_table(res: Resource, schema: str | None = None) -> sa.TableClause:
    """The table with untyped columns: values pass to and from the driver unprocessed."""
    names = dict.fromkeys([res.pk, *res.columns]) if res.pk else dict.fromkeys(res.columns)
    return sa.table(res.name, *(sa.column(name) for name in names), schema=schema)
