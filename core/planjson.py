"""The `truce-plan/1` JSON document (see docs/plan-format.md), written as a stream."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

from core.plan import Plan, Unchanged
from core.timestamps import format_timestamp
from core.vectors import Vector, effective_strategy, outcomes
from core.vocabulary import Resolution

FORMAT = "truce-plan/1"
_RAW_CONTROL = re.compile("[\x7f-\x9f\u2028\u2029]")


def plain(value: Any) -> Any:
    """A JSON value for a typed field value."""
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


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
    rank = {name: n for n, name in enumerate(plan.schema.order())}
    return sorted(vectors, key=lambda v: (rank.get(v.resource, len(rank)), v.uuid))


def chunks(plan: Plan, indent: int | None = None) -> Iterator[str]:
    """The document in pieces, one vector at a time, so 100k vectors never make one string."""
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
    for n, vector in enumerate(ordered(plan, plan.roots())):
        yield (("," if n else "") + "\n" + dumps(vector_document(plan, vector), indent))
    yield '\n],\n"unchanged": ['
    # Streamed from THIS in the set's own order (resources in dependency order, then THIS's
    # keys): never all unchanged rows in memory at once.
    for n, row in enumerate(plan.unchanged):
        yield ("," if n else "") + "\n" + dumps(unchanged_document(row))
    yield "\n]}\n"


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
