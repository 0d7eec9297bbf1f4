"""Commit a plan into THIS in one transaction, or dry-run it (docs/semantics.md, Commit).

All or nothing: the writes go out grouped (`order`) in `executemany` batches (`writer`)
inside one transaction, after the stale check has re-read — and on PostgreSQL locked —
every record the commit touches (`core.staleness`). The first failed write ends the whole
transaction. When the failure is about a record's own values, a rerun that is always
rolled back names every such problem against its vector and field; any other failure
(disk full, I/O, locks, a lost connection) is reported once, as the whole commit's.
A dry run takes the same path and always rolls back, so it can never leave a row.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from core.commit.order import Written, groups
from core.commit.problems import (
    CommitError,
    CommitFailed,
    CommitProblem,
    CommitReport,
    in_transaction,
    short_message,
)
from core.commit.staleness import StaleError, check_stale
from core.commit.writer import Writer
from core.gcpause import paused_gc
from core.journal import write_entry
from core.plan import Plan
from core.policy import skipped_deletions
from core.progress import Progress
from core.sources.sql import SqlDataset
from core.vocabulary import Action

__all__ = [
    "CommitError",
    "CommitFailed",
    "CommitProblem",
    "CommitReport",
    "StaleError",
    "commit_plan",
]

# The writing connection's SQLite page cache (KiB, negative by SQLite's convention):
# PERF-NOTES measured ~1.5x commit speed from a 256 MiB cache.
_SQLITE_WRITE_CACHE = -262144
_VECTOR_ACTIONS = ("create", "update", "delete")


def commit_plan(
    plan: Plan,
    this: SqlDataset,
    *,
    dry_run: bool = False,
    progress: Progress | None = None,
    note: str | None = None,
    as_user: int | None = None,
) -> CommitReport:
    """Write every create/update/delete of the plan in one transaction (or roll back).

    `as_user`: the auth_user id created records are written by (see core.creation).

    Raises `StaleError` when THIS changed since the plan, `CommitError` naming every
    problem when the database refused records, `CommitFailed` when it failed as a whole.
    A dry run reports the problems instead of raising `CommitError`.
    """
    # The plan (and a window's models) are millions of objects the collector would walk
    # again and again; a commit's per-row objects hold no cycles (a quarter of a
    # 100k-person commit, measured).
    with paused_gc():
        report = _run(plan, this, progress, note, as_user, naming=False, keep=not dry_run)
        if not report.problems:
            return report
        # Refused: name every problem in a rerun, row by row, that is always rolled back.
        named = _run(plan, this, None, note, as_user, naming=True, keep=False)
    if dry_run:
        return named
    raise CommitError(named.problems or report.problems)


def _run(
    plan: Plan,
    this: SqlDataset,
    progress: Progress | None,
    note: str | None,
    as_user: int | None,
    *,
    naming: bool,
    keep: bool,
) -> CommitReport:
    """One pass in one transaction; committed only when `keep` and nothing went wrong."""
    progress = progress or Progress()
    report = CommitReport(dry_run=not keep)
    report.not_applied = [
        (v.resource, v.uuid, v.action.value, v.reason)
        for v in plan.vectors
        if v.action in (Action.SKIP, Action.ERROR)
    ]
    report.skipped_deletions = skipped_deletions(plan.vectors)
    written = Written()
    ordered = groups(plan, written)
    with _writing_connection(this) as conn:
        try:
            transaction = conn.begin()
            writes = [v for g in ordered for v in g.vectors]
            before = check_stale(conn, plan, this, writes, written)
            progress.set_total(sum(len(g.vectors) for g in ordered), "writing")
            writer = Writer(conn, plan, this, before, naming, as_user, written)
            for group in ordered:
                writer.write(group)
                progress.advance(len(group.vectors))
            writer.fix_up()
            _report(report, writer)
            if not report.problems:
                report.journal_id = write_entry(
                    conn,
                    this_source=plan.this_source,
                    other_source=plan.other_source,
                    policy=plan.policy_name,
                    counts=dict(report.counts),
                    images=writer.images,
                    note=note,
                )
            if keep and not report.problems:
                _require_transaction(conn)
                transaction.commit()
            else:
                transaction.rollback()
        except DBAPIError as exc:  # a statement outside the writer's (journal, stale check)
            _rollback(conn)
            raise CommitFailed(CommitProblem("", "", None, short_message(exc))) from exc
        except BaseException:
            _rollback(conn)
            raise
    return report


def _writing_connection(this: SqlDataset) -> sa.Connection:
    conn = this.engine.connect()
    if this.dialect == "sqlite":
        # On the driver's connection: through SQLAlchemy it would begin a transaction.
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute(f"PRAGMA cache_size = {_SQLITE_WRITE_CACHE}")
        conn.execution_options(truce_write_lock=True)  # BEGIN IMMEDIATE: sql_engine.py
    return conn


def _report(report: CommitReport, writer: Writer) -> None:
    report.problems = writer.problems
    report.images = writer.images
    # What the vectors did; what a deletion brought along (core.deletion) is per resource.
    report.counts = Counter(i.action for i in writer.images if i.action in _VECTOR_ACTIONS)
    for image in writer.images:
        report.per_resource.setdefault(image.resource, Counter())[image.action] += 1


def _require_transaction(conn: sa.Connection) -> None:
    # COMMIT when SQLite has already rolled back would "succeed" with nothing (or worse,
    # with what a stray statement wrote since): refuse instead.
    if not in_transaction(conn):
        raise CommitFailed(
            CommitProblem("", "", None, "the database ended the transaction before COMMIT")
        )


def _rollback(conn: sa.Connection) -> None:
    if conn.in_transaction():
        with suppress(DBAPIError):  # the connection is gone: the server rolls back alone
            conn.rollback()
