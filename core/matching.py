"""Match OTHER's records to THIS's by identity and compute their vectors (docs/semantics.md,
Matching and Vectors).

OTHER is streamed; THIS is held only as a uuid → key index per resource, and the THIS
rows that OTHER's records match are fetched in batches by key. Records that are the
same on both sides leave nothing but a compact `Unchanged` row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from core.compare_sqlite import CANDIDATE, SqliteJoin
from core.gcpause import paused_gc
from core.plan import Plan
from core.plan_builder import PlanBuilder
from core.policy import FALLBACK, Policy
from core.progress import Progress
from core.records import Record
from core.schema import Schema
from core.sources.key_lookup import KeyLookup
from core.sources.sql import SqlDataset

_STREAM = 5000  # vectors per chunk a window may list while the plan is being built


class Source(Protocol):
    """Anything OTHER can be read from: a database or an exchange file."""

    label: str

    def estimate(self, typing: Schema) -> int:
        """How many records `records` will yield, or 0 when unknown."""

    def records(self, typing: Schema, progress: Progress | None = None) -> Iterator[Record]:
        """Every record, typed by `typing`; unknown resources and fields left out."""

    def unknown_columns(self, typing: Schema) -> list[str]:
        """Warnings naming resources and fields THIS has no place for."""


def build_plan(
    this: SqlDataset,
    other: Source,
    policy: Policy = FALLBACK,
    progress: Progress | None = None,
    *,
    fast: bool = True,
) -> Plan:
    """Compute every vector of the pair, run the policy and derive the actions.

    With `fast`, two SQLite files are compared where the data is (core/compare_sqlite.py),
    and otherwise THIS's rows are typed only when their raw values are not surely OTHER's
    (core/compare_raw.py); `fast=False` is the straightforward path, which every fast path
    must agree with."""
    with paused_gc():
        return _build_plan(this, other, policy, progress or Progress(), fast)


def _build_plan(
    this: SqlDataset, other: Source, policy: Policy, progress: Progress, fast: bool
) -> Plan:
    builder = PlanBuilder(this, fast)
    progress.set_total(other.estimate(this.schema), "reading OTHER")
    streamer = _Streamer(builder, progress)
    join = SqliteJoin.open(this, other) if fast else None
    raws = getattr(other, "raw_records", None) if fast and join is None else None
    raws = raws(this.schema, progress) if raws is not None else None
    if join is None:
        for name in this.schema.resources:
            builder.use_index(name)
        for record in raws if raws is not None else other.records(this.schema, progress):
            builder.add(record)
            streamer.poll()
        if raws is not None and getattr(other, "unsure", None):
            builder.settle_repeats(other.repeats(this.schema, other.unsure))  # type: ignore[attr-defined]
    else:
        with join:
            for name in this.schema.order():
                pairs = join.pairs(name)
                if pairs is None:
                    builder.use_index(name)
                    for record in join.other.resource_records(name, this.schema, progress):
                        builder.add(record)
                        streamer.poll()
                else:
                    builder.use_lookup(name, KeyLookup(this, name, join.spelling(name)))
                    joined(builder, join, name, pairs, progress)
                streamer.poll()
    builder.flush()
    vectors, unchanged = builder.finish()
    builder.warnings[:0] = other.unknown_columns(this.schema)
    progress.set_total(len(vectors), "applying policy")
    policy.apply(vectors)
    return Plan(
        schema=this.schema,
        this_source=this.label,
        other_source=other.label,
        vectors=vectors,
        unchanged=unchanged,
        this_index=builder.index,
        policy_name=policy.name,
        warnings=this.schema.warnings + builder.warnings,
    )


def joined(
    builder: PlanBuilder,
    join: SqliteJoin,
    resource: str,
    pairs: Iterable[list[tuple[Any, Any, int, int]]],
    progress: Progress,
) -> None:
    """Plan one resource from the in-SQLite join: only candidates and new rows are typed."""
    candidates: list[tuple[Any, Any]] = []
    new: list[Any] = []
    unchanged = builder.unchanged
    for rows in pairs:
        before = progress.done
        progress.advance(len(rows))
        if progress.done >> 10 != before >> 10:  # advance() alone notifies per 1024 exactly
            progress.changed()
        # Most rows are unchanged: they go to the arrays in bulk, without a call per row.
        same = [row for row in rows if row[3] != CANDIDATE and row[0] is not None]
        if same:
            this_keys, _other_keys, other_micros, verdicts = zip(*same, strict=True)
            unchanged.add_many(resource, this_keys, other_micros, verdicts)
        if len(same) < len(rows):
            for this_key, other_key, _micros, verdict in rows:
                if this_key is None:
                    new.append(other_key)
                elif verdict == CANDIDATE:
                    candidates.append((other_key, this_key))
    # One read of OTHER's rows for both: a component's master is joined by a column no
    # index covers, and SQLite builds an automatic index for that once per query.
    keys = candidates + [(other_key, None) for other_key in new]
    for record, this_side in join.rows(builder.this.schema).pairs(resource, keys):
        if this_side is None:
            builder.add_new(record)
        else:
            builder.compared(record, *this_side)


class _Streamer:
    """Hands the vectors computed so far to `progress.found`, a chunk at a time, so a
    window can list them while the plan is still being built."""

    def __init__(self, builder: PlanBuilder, progress: Progress) -> None:
        self._builder, self._progress, self._sent = builder, progress, 0

    def poll(self) -> None:
        vectors = self._builder.vectors
        if len(vectors) - self._sent >= _STREAM:
            self._progress.found(vectors[self._sent :])
            self._sent = len(vectors)
