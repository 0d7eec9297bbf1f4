"""The dry run as a verdict: will the commit succeed, and if not, why — in one line.

`dry_run_verdict` probes THIS for writability first (a missing file, a read-only or
immutable database, another program holding the write lock), then takes the commit path
as a dry run. The result leads with one sentence — "The commit will succeed: 98 creates,
1 update." or "The commit will fail: THIS is locked by another program." — and carries
a table grouped by outcome and reason (949 identical skips are one row with a count).
The window only displays it (the CLI has its own dry-run summary).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from core.commit import CommitReport, commit_plan
from core.explanations import Explanation, explain
from core.plan import Plan
from core.progress import Progress
from core.sources.sql import SqlDataset
from core.staleness import StaleError
from core.vocabulary import Action
from core.writability import Writability, probe_writable

Identity = tuple[str, str]
_JUMPS = 1000  # vectors a row can jump to; its count stays exact
_UUID = re.compile(r"urn:uuid:[0-9a-fA-F-]+|\b[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}\b")
_WRITES = (Action.CREATE.value, Action.UPDATE.value, Action.DELETE.value)


@dataclass(frozen=True, slots=True)
class VerdictRow:
    """One group of the table: an outcome, its reason, how many vectors, which ones."""

    outcome: str
    reason: str
    count: int
    vectors: tuple[Identity, ...]


@dataclass(frozen=True)
class Verdict:
    succeeds: bool
    headline: str
    target: str
    counts: dict[str, int]
    rows: tuple[VerdictRow, ...]
    failure: Explanation | None = None

    @property
    def writes(self) -> int:
        return sum(self.counts.get(a, 0) for a in _WRITES)

    def text(self) -> str:
        """The verdict as plain text (the Copy button)."""
        lines = [self.headline, f"Target: {self.target}", ""]
        lines += [f"{r.count:>7}  {r.outcome:<10} {r.reason}" for r in self.rows]
        return "\n".join(lines)


def counts_phrase(counts: dict[str, int]) -> str:
    """'98 creates, 1 update' (only what is written), or 'nothing to write'."""
    parts = [f"{counts[a]} {a}{'' if counts[a] == 1 else 's'}" for a in _WRITES if counts.get(a, 0)]
    return ", ".join(parts) or "nothing to write"


def target_name(this: SqlDataset) -> str:
    """THIS as a person would find it: the full file path, or the URL without password."""
    url = this.engine.url
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        return database.removeprefix("file:")
    return url.render_as_string(hide_password=True)


def dry_run_verdict(plan: Plan, this: SqlDataset, progress: Progress | None = None) -> Verdict:
    """Probe THIS, then dry-run the commit (unless the probe already says it cannot work)."""
    writability = probe_writable(this)
    if not writability.writable:
        # A locked database would make every vector wait out the lock: no dry run.
        return judge(plan, this, None, None, writability)
    try:
        report = commit_plan(plan, this, dry_run=True, progress=progress)
    except (StaleError, SQLAlchemyError) as exc:
        return judge(plan, this, None, exc, writability)
    return judge(plan, this, report, None, writability)


def judge(
    plan: Plan,
    this: SqlDataset,
    report: CommitReport | None,
    failure: BaseException | None,
    writability: Writability,
) -> Verdict:
    planned = Counter(v.action.value for v in plan.writes)
    counts = dict(report.counts) if report is not None and report.ok else dict(planned)
    rows = _rows(plan, report, failure)
    target = target_name(this)
    explained = explain(failure) if failure is not None else None
    if not writability.writable:
        reason, succeeds = writability.sentence, False
    elif explained is not None:
        reason, succeeds = explained.sentence, False
    elif report is not None and report.problems:
        reason = (
            f"the database refuses {len(report.problems)} change(s) (first: {report.problems[0]})"
        )
        succeeds = False
    else:
        reason, succeeds = "", True
    if succeeds:
        phrase = counts_phrase(counts)
        headline = (
            f"The commit will succeed: {phrase}."
            if phrase != "nothing to write"
            else "Nothing to commit: every vector is unchanged or skipped."
        )
    else:
        headline = f"The commit will fail: {reason.rstrip('.')}."
    return Verdict(succeeds, headline, target, counts, tuple(rows), explained)


def _rows(plan: Plan, report: CommitReport | None, failure: BaseException | None) -> list:
    rows: list[VerdictRow] = []
    if isinstance(failure, StaleError):
        rows += _grouped(("stale", _kind(r), _identity(r)) for r in failure.records)
    if report is not None:
        rows += _grouped(("refused", p.message, (p.resource, p.uuid)) for p in report.problems)
    rows += _grouped((v.action.value, v.resource, v.identity) for v in plan.writes)
    rows += _grouped(
        (v.action.value, v.reason or v.action.value, v.identity)
        for v in plan.vectors
        if v.action in (Action.SKIP, Action.ERROR)
    )
    rows += _grouped(
        ("unchanged", v.reason or "nothing to write", v.identity)
        for v in plan.vectors
        if v.action is Action.UNCHANGED
    )
    rows += _unchanged(plan)
    return rows


def _unchanged(plan: Plan) -> list[VerdictRow]:
    """Unchanged records are counted, not held (core/unchanged.py): one row per resource,
    jumping to the resource's first such record (read from THIS, if THIS can be read)."""
    try:
        first = {u.resource: (u.resource, u.uuid) for u in reversed(_first_page(plan))}
    except SQLAlchemyError:
        first = {}
    return [
        VerdictRow(
            "unchanged",
            f"{resource}: identical on both sides",
            count,
            (first[resource],) if resource in first else (),
        )
        for resource, count in plan.unchanged.counts_by_resource().items()
    ]


def _first_page(plan: Plan) -> list:
    size = len(plan.unchanged)
    return plan.unchanged.page(0, min(size, _JUMPS)) if size else []


def _grouped(items: Iterable[tuple[str, str, Identity]]) -> list[VerdictRow]:
    """One row per (outcome, reason with uuids blanked), in first-seen order."""
    counts: Counter[tuple[str, str]] = Counter()
    shown: dict[tuple[str, str], str] = {}
    jumps: dict[tuple[str, str], list[Identity]] = defaultdict(list)
    for outcome, reason, identity in items:
        key = (outcome, _UUID.sub("…", reason))
        shown.setdefault(key, reason)
        counts[key] += 1
        if len(jumps[key]) < _JUMPS:
            jumps[key].append(identity)
    return [
        VerdictRow(key[0], shown[key] if n == 1 else key[1], n, tuple(jumps[key]))
        for key, n in counts.items()
    ]


def _identity(record: str) -> Identity:
    resource, _, rest = record.partition(" ")
    return resource, rest.partition(" ")[0]


def _kind(record: str) -> str:
    """'pr_person urn:uuid:… was changed in THIS' → 'was changed in THIS'."""
    return record.split(" ", 2)[2] if record.count(" ") >= 2 else record
