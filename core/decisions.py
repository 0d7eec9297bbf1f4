"""Decisions files (`truce-decisions/1`, docs/semantics.md, Overrides): the operator's overrides,
saved with
fingerprints of both sources so they can be re-applied to a later plan. See
docs/decisions.md.

A record's fingerprint is a SHA-256 over a canonical JSON of its field values and
`modified_on` (never Python's `hash()`, which differs between processes). A decision is
re-applied only when both its THIS and its OTHER record still have the fingerprint they
had when the decision was made.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.edits import EditError, value_from_saved
from core.plan import Plan
from core.planjson import plain
from core.timestamps import format_timestamp
from core.vectors import Vector
from core.vocabulary import Method, Resolution

FORMAT = "truce-decisions/1"


class DecisionsError(ValueError):
    """A decisions file that cannot be read; names the file and the place."""


@dataclass
class DecisionsReport:
    """What `apply_decisions` did: how many decisions it applied, and which it did not."""

    applied: int = 0
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


# ----- fingerprints
def record_digest(values: dict[str, Any], modified: datetime | None) -> str:
    """A digest of one record's values, stable across processes and machines."""
    document = {"values": plain(values), "modified_on": format_timestamp(modified)}
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def this_digest(vector: Vector) -> str:
    return record_digest(vector.this_values, vector.this_modified)


def other_digest(vector: Vector) -> str:
    return record_digest(vector.other_values, vector.other_modified)


def source_fingerprints(plan: Plan) -> dict[str, dict[str, Any]]:
    """Label and content digest of each side, over the records the plan compared.

    Each record adds the SHA-256 of its line to a sum (modulo 2**256), so no order is
    needed and no record is held: the unchanged rows stream from THIS once."""
    this, other = _RecordSum(), _RecordSum()
    for v in plan.vectors:
        this.add(v.resource, v.uuid, this_digest(v))
        other.add(v.resource, v.uuid, other_digest(v))
    # Unchanged records carry the same values on both sides: their timestamps stand in.
    for u in plan.unchanged:
        this.add(u.resource, u.uuid, format_timestamp(u.this_modified) or "")
        other.add(u.resource, u.uuid, format_timestamp(u.other_modified) or "")
    count = len(plan.vectors) + len(plan.unchanged)
    return {
        "this": {"label": plan.this_source, "digest": this.digest(), "records": count},
        "other": {"label": plan.other_source, "digest": other.digest(), "records": count},
    }


class _RecordSum:
    """A digest of a set of records' lines that does not depend on their order."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0

    def add(self, resource: str, uuid: str, part: str) -> None:
        line = hashlib.sha256(f"{resource}\0{uuid}\0{part}\n".encode())
        self.total = (self.total + int.from_bytes(line.digest(), "big")) % _MODULUS
        self.count += 1

    def digest(self) -> str:
        return hashlib.sha256(f"{self.count}\0{self.total:064x}".encode()).hexdigest()


_MODULUS = 2**256


# ----- save
def decisions_document(plan: Plan, fingerprints: bool = True) -> dict[str, Any]:
    """The decisions file's document; without `fingerprints` the sources are named only
    (a digest of every record is not needed to re-apply decisions, and costs a pass over
    the whole plan: the window's autosave and reload skip it)."""
    sources = (
        source_fingerprints(plan)
        if fingerprints
        else {"this": {"label": plan.this_source}, "other": {"label": plan.other_source}}
    )
    return {
        "format": FORMAT,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy": plan.policy_name,
        "sources": sources,
        "decisions": [_decision(v) for v in plan.vectors if v.has_overrides],
    }


def _decision(vector: Vector) -> dict[str, Any]:
    strategy = vector.override_strategy
    return {
        "resource": vector.resource,
        "uuid": vector.uuid,
        "label": vector.label,
        "override_strategy": None if strategy is None else [m.value for m in strategy],
        "override_default": vector.override_default and vector.override_default.value,
        "override_fields": {k: v.value for k, v in sorted(vector.override_fields.items())},
        "edited_values": {k: plain(v) for k, v in sorted((vector.edited or {}).items())},
        "this_digest": this_digest(vector),
        "other_digest": other_digest(vector),
    }


def save_decisions(plan: Plan, path: str | Path) -> None:
    """Write the plan's overrides, with fingerprints, as a `truce-decisions/1` file."""
    text = json.dumps(decisions_document(plan), indent=1, ensure_ascii=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


# ----- apply
def apply_decisions(plan: Plan, path: str | Path) -> DecisionsReport:
    """Set the saved overrides on the vectors whose records did not change; recompute.

    A decision whose vector is no longer in the plan is `missing`; one whose THIS or
    OTHER record changed since it was saved is `stale`. Neither is applied.
    """
    path = Path(path)
    return apply_document(plan, _read(path), str(path))


def apply_document(plan: Plan, document: dict[str, Any], where: str) -> DecisionsReport:
    """`apply_decisions` for a document already in memory (e.g. the plan before a reload).

    `where` names the document in error messages.
    """
    report = DecisionsReport()
    for n, item in enumerate(document["decisions"]):
        decision = _Decision.parse(item, f"{where}: /decisions/{n}")
        vector = plan.get(decision.resource, decision.uuid)
        name = f"{decision.resource} {decision.uuid}" + (
            f" {decision.label}" if decision.label else ""
        )
        if vector is None:
            report.missing.append(f"{name}: no longer in the plan (unchanged or not in OTHER)")
            continue
        changed = [
            side
            for side, saved, now in (
                ("THIS", decision.this_digest, this_digest(vector)),
                ("OTHER", decision.other_digest, other_digest(vector)),
            )
            if saved != now
        ]
        if changed:
            report.stale.append(
                f"{name}: {' and '.join(changed)} record changed since the decision was made"
            )
            continue
        vector.override_strategy = decision.strategy
        vector.override_default = decision.default
        vector.override_fields = dict(decision.fields)
        vector.edited = _typed_values(plan, vector, decision, f"{where}: /decisions/{n}")
        report.applied += 1
    plan.recompute()
    return report


def _typed_values(
    plan: Plan, vector: Vector, decision: _Decision, where: str
) -> dict[str, Any] | None:
    """The saved typed values, checked by THIS's columns like values a person types."""
    resource = plan.schema.resources[vector.resource]
    foreign = [k for k in decision.values if k not in vector.other_values]
    if foreign or (decision.values and vector.method is not Method.UPDATE):
        raise DecisionsError(
            f"{where}/edited_values: typed values apply to an update's fields only "
            f"({', '.join(foreign) or vector.method.value})"
        )
    try:
        typed = {k: value_from_saved(resource, k, v) for k, v in decision.values.items()}
    except EditError as exc:
        raise DecisionsError(f"{where}/edited_values: {exc}") from None
    return typed or None


def read_decisions(path: str | Path) -> dict[str, Any]:
    """A decisions file's document, checked for its format; raises `DecisionsError`."""
    return _read(Path(path))


def _read(path: Path) -> dict[str, Any]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DecisionsError(f"{path}, line {line}: not UTF-8 text ({exc.reason})") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecisionsError(
            f"{path}, line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"
        ) from None
    except RecursionError:
        raise DecisionsError(f"{path}: not a {FORMAT} decisions file (nested too deep)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise DecisionsError(f"{path}: not a {FORMAT} decisions file")
    if not isinstance(document.get("decisions"), list):
        raise DecisionsError(f"{path}: /decisions must be a list")
    return document


@dataclass(frozen=True, slots=True)
class _Decision:
    resource: str
    uuid: str
    label: str
    strategy: tuple[Method, ...] | None
    default: Resolution | None
    fields: dict[str, Resolution]
    values: dict[str, Any]
    this_digest: str
    other_digest: str

    @classmethod
    def parse(cls, item: Any, where: str) -> _Decision:
        try:
            strategy = item["override_strategy"]
            default = item["override_default"]
            return cls(
                resource=str(item["resource"]),
                uuid=str(item["uuid"]),
                label=str(item.get("label") or ""),
                strategy=None if strategy is None else tuple(Method(m) for m in strategy),
                default=None if default is None else Resolution(default),
                fields={str(k): Resolution(v) for k, v in item["override_fields"].items()},
                values={str(k): v for k, v in (item.get("edited_values") or {}).items()},
                this_digest=str(item["this_digest"]),
                other_digest=str(item["other_digest"]),
            )
        except KeyError as exc:
            raise DecisionsError(f"{where}: missing key {exc.args[0]}") from None
        except (ValueError, TypeError, AttributeError) as exc:
            raise DecisionsError(f"{where}: invalid decision ({exc})") from None
