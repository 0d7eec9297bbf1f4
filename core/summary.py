"""Plain-text summaries of a plan and of a commit, for the terminal."""

from __future__ import annotations

from core.commit import CommitReport
from core.plan import Plan
from core.policy import skipped_deletions, skipped_deletions_hint
from core.vocabulary import Action

_COLUMNS = ("create", "update", "delete", "unchanged", "skip", "error")
_LISTED = 20  # vectors listed per section before "… and N more"


def describe_plan(plan: Plan) -> str:
    lines = [
        f"THIS   {plan.this_source}",
        f"OTHER  {plan.other_source}",
        f"policy {plan.policy_name}",
        "",
    ]
    lines += _table(plan)
    counts = plan.counts()
    lines.append("")
    lines.append(
        f"{counts['conflicts']} vector(s) with conflicts, "
        f"{counts['blocked']} blocked by a reference."
    )
    for title, action in (("Errors", Action.ERROR), ("Skipped", Action.SKIP)):
        lines += _listing(plan, title, action)
    lines += [f"warning: {w}" for w in plan.warnings]
    skipped = skipped_deletions(plan.vectors)
    if skipped:
        lines.append(skipped_deletions_hint(skipped) + ".")
    return "\n".join(lines) + "\n"


def _table(plan: Plan) -> list[str]:
    per = plan.counts_by_resource()
    width = max([len(r) for r in per] + [8])
    head = "resource".ljust(width) + "".join(c.rjust(11) for c in _COLUMNS)
    rows = [head, "-" * len(head)]
    total = {c: 0 for c in _COLUMNS}
    for resource, counts in per.items():
        rows.append(resource.ljust(width) + "".join(str(counts[c]).rjust(11) for c in _COLUMNS))
        for c in _COLUMNS:
            total[c] += counts[c]
    rows.append("total".ljust(width) + "".join(str(total[c]).rjust(11) for c in _COLUMNS))
    return rows


def _listing(plan: Plan, title: str, action: Action) -> list[str]:
    vectors = [v for v in plan.vectors if v.action is action]
    if not vectors:
        return []
    lines = ["", f"{title} ({len(vectors)}):"]
    for vector in vectors[:_LISTED]:
        label = f" {vector.label}" if vector.label else ""
        # An error names where the bad record is: file and line, pointer, or table row.
        where = f" (at {vector.place})" if action is Action.ERROR and vector.place else ""
        lines.append(f"  {vector.resource} {vector.uuid}{label}: {vector.reason}{where}")
    if len(vectors) > _LISTED:
        lines.append(f"  … and {len(vectors) - _LISTED} more (see --json)")
    return lines


def describe_commit(report: CommitReport) -> str:
    verb = "Dry run: would write" if report.dry_run else "Committed"
    counts = ", ".join(f"{report.counts[a]} {a}" for a in ("create", "update", "delete"))
    lines = [f"{verb} {counts}."]
    for resource, counts_ in sorted(report.per_resource.items()):
        lines.append(f"  {resource}: " + ", ".join(f"{n} {a}" for a, n in sorted(counts_.items())))
    if report.journal_id is not None and not report.dry_run:
        lines.append(f"Journal entry {report.journal_id}.")
    if report.not_applied:
        lines.append(f"{len(report.not_applied)} vector(s) not applied (skipped or in error).")
    if report.skipped_deletions:
        lines.append(skipped_deletions_hint(report.skipped_deletions) + ".")
    for problem in report.problems:
        lines.append(f"  error: {problem}")
    return "\n".join(lines) + "\n"
