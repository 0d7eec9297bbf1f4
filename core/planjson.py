"""The `truce-plan/1` JSON document (see docs/plan-format.md), written as a stream."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from core.plan import Plan, Unchanged
from core.plantext import VectorText, plain, unchanged_text, value
from core.timestamps import format_timestamp
from core.vectors import Vector, effective_strategy, outcomes
from core.vocabulary import Resolution

FORMAT = "truce-plan/1"
_RAW_CONTROL = re.compile("[\x7f-\x9f\u2028\u2029]")


def _resolution(vector: Vector) -> Any:
    res = vector.resolution
    if isinstance(res, dict):
        return {k: v.value for k, v in res.items()}
    return res.value if res is not None else None


def vector_document(plan: Plan, vector: Vector) -> dict[str, Any]:
    default = vector.override_default or vector.default_resolution or Resolution.THIS
    return {
        "resource": vector.resource,
        "uuid": vector.uuid,
        "label": vector.label,
        "method": vector.method.value,
        "action": vector.action.value,
        "reason": vector.reason,
        "strategy": [m.value for m in effective_strategy(vector)],
        "resolution": _resolution(vector),
        "default_resolution": default.value,
        "overrides": {
            "strategy": (
                None
                if vector.override_strategy is None
                else [m.value for m in vector.override_strategy]
            ),
            "default_resolution": vector.override_default and vector.override_default.value,
            "fields": {k: v.value for k, v in vector.override_fields.items()},
            "values": {k: plain(v) for k, v in (vector.edited or {}).items()},
        },
        "this_modified_on": format_timestamp(vector.this_modified),
        "other_modified_on": format_timestamp(vector.other_modified),
        "place": vector.place,
        "this_place": vector.this_place,
        "conflicts": vector.conflicts,
        "problems": [str(p) for p in vector.problems],
        "blocked": dict(vector.blocked),
        "fields": [
            {
                "name": o.name,
                "this": plain(o.this),
                "other": plain(o.other),
                "differs": o.differs,
                "conflict": o.conflict,
                "resolution": o.resolution.value,
                "winner": o.winner.value,
                "edited": o.edited,
                "tie": o.tie,
                "result": plain(o.result),
                "reference": o.reference,
                "blocked": o.blocked,
            }
            for o in outcomes(vector)
        ],
        "components": [
            vector_document(plan, child) for child in ordered(plan, plan.children(vector))
        ],
    }


def unchanged_document(row: Unchanged) -> dict[str, Any]:
    return {
        "resource": row.resource,
        "uuid": row.uuid,
        "label": row.label,
        "this_modified_on": format_timestamp(row.this_modified),
        "other_modified_on": format_timestamp(row.other_modified),
        "master": list(row.parent) if row.parent else None,
        "note": row.note,
    }


def summary_document(plan: Plan) -> dict[str, Any]:
    return {
        "counts": dict(sorted(plan.counts().items())),
        "by_resource": {r: dict(sorted(c.items())) for r, c in plan.counts_by_resource().items()},
    }


def ordered(plan: Plan, vectors: Iterable[Vector]) -> list[Vector]:
    """Vectors in resource dependency order, then by uuid: the same plan reads the same
    whichever form (database, S3XML, S3JSON, CSV) OTHER came in."""
    return _Order(plan)(vectors)


class _Order:
    """`ordered` for many calls on one plan (the dependency order computed once)."""

    def __init__(self, plan: Plan) -> None:
        self.rank = {name: n for n, name in enumerate(plan.schema.order())}

    def __call__(self, vectors: Iterable[Vector]) -> list[Vector]:
        rank, last = self.rank, len(self.rank)
        return sorted(vectors, key=lambda v: (rank.get(v.resource, last), v.uuid))


def chunks(plan: Plan, indent: int | None = None) -> Iterator[str]:
    """The document in pieces, many vectors or rows each, so 100k vectors never make one
    string. Unindented, each piece is written as text directly (core/plantext.py);
    indented, each vector is a dict given to `json.dumps`."""
    head = {
        "format": FORMAT,
        "this": plan.this_source,
        "other": plan.other_source,
        "policy": plan.policy_name,
        "summary": summary_document(plan),
        "warnings": plan.warnings,
    }
    text = dumps(head, indent)
    yield text[:-1].rstrip() + ',\n"vectors": ['
    order = _Order(plan)
    if indent is None:
        writer = VectorText(lambda v: order(plan.children(v)))
        vectors: Iterator[str] = map(writer.text, order(plan.roots()))
    else:
        vectors = (dumps(vector_document(plan, v), indent) for v in order(plan.roots()))
    yield from _joined(vectors)
    yield '\n],\n"unchanged": ['
    # Streamed from THIS in the set's own order (resources in dependency order, then THIS's
    # keys): never all unchanged rows in memory at once.
    yield from _joined(_unchanged_texts(plan))
    yield "\n]}\n"


def _unchanged_texts(plan: Plan) -> Iterator[str]:
    resource, encoded = "", ""
    for row in plan.unchanged:
        if row.resource != resource:
            resource, encoded = row.resource, value(row.resource)
        yield unchanged_text(row, encoded)


_BATCH = 256  # vectors or rows per piece written


def _joined(texts: Iterator[str]) -> Iterator[str]:
    """Pieces of `texts`, each item on its own line after a comma (none before the first),
    control characters escaped as `dumps` does."""
    first = True
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == _BATCH:
            yield _escaped(("\n" if first else ",\n") + ",\n".join(batch))
            first, batch = False, []
    if batch:
        yield _escaped(("\n" if first else ",\n") + ",\n".join(batch))


def _escaped(text: str) -> str:
    if text.isascii() and "\x7f" not in text:  # two fast scans instead of a regex search
        return text
    if _RAW_CONTROL.search(text):
        return _RAW_CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
    return text


def dumps(document: Any, indent: int | None = None) -> str:
    """Strict JSON (NaN and infinities are refused, never written bare) in which the
    characters a terminal would obey — DEL and the C1 controls, which JSON leaves raw —
    and the JS line separators are escaped too."""
    text = json.dumps(document, indent=indent, ensure_ascii=False, allow_nan=False)
    if _RAW_CONTROL.search(text):
        text = _RAW_CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
    return text


def write_plan(plan: Plan, out: IO[str], indent: int | None = None) -> None:
    for piece in chunks(plan, indent):
        out.write(piece)
