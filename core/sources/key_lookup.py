"""Primary keys by uuid, asked of THIS's database on demand instead of held in a dict."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from core.batching import KEYS_PER_LOOKUP, chunks
from core.sources.raw_table import raw_table

if TYPE_CHECKING:
    from core.sources.sql import SqlDataset


class KeyLookup:
    """canonical uuid → primary key of one table, asked of the database on demand.

    Stands in for a whole-table dict when the table spells every uuid one way (`spell`
    turns a canonical uuid into that spelling), so a plan's memory does not grow with
    THIS. Answers are cached; `prefetch` asks for many at once."""

    def __init__(self, dataset: SqlDataset, resource: str, spell: Callable[[str], str]) -> None:
        res = dataset.schema.resources[resource]
        table = raw_table(res)
        self._engine = dataset.engine
        self._pk, self._uuid = table.c[res.pk], table.c[res.meta.uuid]
        self._table = table
        self._spell = spell
        self._known: dict[str, Any] = {}

    def get(self, uuid: str | None, default: Any = None) -> Any:
        if uuid is None:
            return default
        if uuid not in self._known:
            self.prefetch([uuid])
        key = self._known[uuid]
        return default if key is None else key

    def __contains__(self, uuid: object) -> bool:
        return isinstance(uuid, str) and self.get(uuid) is not None

    def prefetch(self, uuids: Iterable[str]) -> None:
        wanted = {self._spell(u): u for u in uuids if u not in self._known}
        if not wanted:
            return
        with self._engine.connect() as conn:
            for batch in chunks(wanted, KEYS_PER_LOOKUP):
                stmt = sa.select(self._pk, self._uuid).where(self._uuid.in_(batch))
                for key, raw in conn.execute(stmt):
                    if raw in wanted:
                        self._known[wanted[raw]] = key
        for uuid in wanted.values():
            self._known.setdefault(uuid, None)
