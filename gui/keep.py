"""Carrying the operator's work across a reload: decisions re-applied, undo re-bound.

A reload (F5, or the recovery after a refused commit) computes a fresh plan with new
Vector objects. The decisions are re-applied the way a decisions file is
(`core.decisions.apply_document`: only where neither record changed), and every command
on the undo stack is re-bound to the fresh plan by identity (resource, uuid), so Ctrl+Z
keeps working. A command whose vector is gone stays bound to the old, detached plan:
undoing it then changes nothing the window shows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoStack

from core.decisions import DecisionsReport, apply_document, decisions_document
from core.plan import Plan
from core.snapshots import OverrideSnapshot, PolicySnapshot, overrides_snapshot, policy_snapshot

Identity = tuple[str, str]


def carry_decisions(old: Plan, new: Plan) -> DecisionsReport:
    """Re-apply `old`'s overrides onto `new`; the report names what no longer applies."""
    document = decisions_document(old, fingerprints=False)
    return apply_document(new, document, "decisions before the reload")


def rebind_undo(stack: QUndoStack, old: Plan, new: Plan) -> None:
    """Point every command of `stack` at `new` instead of `old`, by vector identity."""
    for position in range(stack.count()):
        command = stack.command(position)
        if getattr(command, "plan", None) is old:
            _rebind(command, old, new)


def _rebind(command: Any, old: Plan, new: Plan) -> None:
    vector = getattr(command, "vector", None)
    if vector is not None:
        fresh = new.get(*vector.identity)
        if fresh is None:
            return  # its vector is gone: leave it on the detached old plan
        command.vector = fresh
    many = getattr(command, "vectors", None)  # a choice for several selected vectors
    if many is not None:
        moved = [new.get(*v.identity) for v in many]
        if any(v is None for v in moved):
            return
        command.vectors = tuple(moved)
    command.plan = new
    previous = getattr(command, "previous", None)
    if isinstance(previous, dict) and previous and not isinstance(next(iter(previous)), str):
        command.previous = _by_identity(previous, new)
    for name in ("before", "after"):
        snapshot = getattr(command, name, None)
        if isinstance(snapshot, PolicySnapshot | OverrideSnapshot):
            setattr(command, name, _moved(snapshot, old, new))


def _by_identity(previous: dict[Any, Any], new: Plan) -> dict[Any, Any]:
    moved = {}
    for vector, value in previous.items():
        fresh = new.get(*vector.identity)
        if fresh is not None:
            moved[fresh] = value
    return moved


def _moved(
    snapshot: PolicySnapshot | OverrideSnapshot, old: Plan, new: Plan
) -> PolicySnapshot | OverrideSnapshot:
    """A positional snapshot of `old` re-laid over `new`'s vectors; a vector `old` did not
    have keeps the settings it has now."""
    saved: dict[Identity, Any] = {
        v.identity: setting for v, setting in zip(old.vectors, snapshot.settings, strict=True)
    }
    current = (
        policy_snapshot(new) if isinstance(snapshot, PolicySnapshot) else overrides_snapshot(new)
    )
    settings = tuple(
        saved.get(v.identity, now) for v, now in zip(new.vectors, current.settings, strict=True)
    )
    if isinstance(snapshot, PolicySnapshot):
        return PolicySnapshot(snapshot.name, settings)
    return OverrideSnapshot(settings)
