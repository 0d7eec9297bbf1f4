"""THIS's raw rows for the raw compare, with their masters' uuids found in Python.

`SqlDataset.fetch_rows` joins each master per batch of keys. A component link is often
not indexed (Eden's `pe_id`: addresses and contacts hang off it), so SQLite builds an
automatic index over the whole master table for every batch: the plan grew with the
square of the table (at 100k persons most of an S3XML plan). Here each master table is
read once into a map of link value → uuid, and the rows are read without that join;
each row is then laid out exactly as the joined select gives it (same values, so the
same digest for the commit's stale check).

A master table where two rows share a link value would make the join give one row per
match; there the joined select is kept, so what it decides stays the same.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from core.batching import KEYS_PER_LOOKUP, chunks
from core.schema import ComponentLink
from core.sources.raw_table import raw_table
from core.sources.sql import SqlDataset

_SHARED = object()  # a map that cannot stand in for the join (a link value twice)


class MasterUuids:
    """Reads THIS's rows as `SqlDataset.fetch_rows` does, masters looked up in maps."""

    def __init__(self, this: SqlDataset) -> None:
        self.this = this
        self._maps: dict[tuple[str, str], Any] = {}
        self._shapes: dict[str, Any] = {}

    def fetch_rows(self, resource: str, keys: list[Any], shape: Any) -> dict[Any, Any]:
        """key → row laid out as `shape` (`SqlDataset.row_shape`) reads it."""
        if not shape.links:
            return self.this.fetch_rows(resource, keys, shape)
        maps = [self._map(link) for _pos, link in shape.links]
        if any(found is _SHARED for found in maps):
            return self.this.fetch_rows(resource, keys, shape)
        unjoined = self._shapes.get(resource)
        if unjoined is None:
            unjoined = self._shapes[resource] = self.this.row_shape(resource, masters=False)
        cut = shape.links[0][0]  # the masters' uuids are the last columns
        found: dict[Any, Any] = {}
        with self.this.engine.connect() as conn:
            for batch in chunks(keys, KEYS_PER_LOOKUP):
                for row in conn.execute(unjoined.statement.where(unjoined.key.in_(batch))):
                    uuids = (
                        None if value is None else uuids.get(value)
                        for uuids, value in zip(maps, row[cut:], strict=True)
                    )
                    found[row[0]] = (*row[:cut], *uuids)
        return found

    def _map(self, link: ComponentLink) -> Any:
        """The master's link value → its stored uuid, `_SHARED`, or {} when THIS has no
        such master column (the join then gives NULL)."""
        key = (link.master, link.master_key)
        found = self._maps.get(key)
        if found is None:
            found = self._maps[key] = self._read_map(link)
        return found

    def _read_map(self, link: ComponentLink) -> Any:
        master = self.this.schema.resources.get(link.master)
        if master is None or link.master_key not in master.columns:
            return {}
        table = raw_table(master)
        statement = sa.select(table.c[link.master_key], table.c[master.meta.uuid])
        uuids: dict[Any, Any] = {}
        with self.this.engine.connect() as conn:
            for value, uuid in conn.execution_options(yield_per=5000).execute(statement):
                if value is None:
                    continue  # NULL joins nothing
                if value in uuids:
                    return _SHARED
                uuids[value] = uuid
        return uuids
