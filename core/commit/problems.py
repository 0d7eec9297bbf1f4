"""What can stop a commit, and how a database error is told apart and named."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

from core.journal import Image
from core.schema import Resource

__all__ = [
    "CommitError",
    "CommitFailed",
    "CommitProblem",
    "CommitReport",
    "Unwritable",
    "field_in",
    "in_transaction",
    "names_a_record",
]


@dataclass(frozen=True, slots=True)
class CommitProblem:
    """A database error (or unwritable value) pinned to its vector and field."""

    resource: str
    uuid: str
    field: str | None
    message: str

    def __str__(self) -> str:
        if not self.resource:  # about the whole commit, not one record
            return self.message
        where = f"{self.resource} {self.uuid}" + (f" field {self.field}" if self.field else "")
        return f"{where}: {self.message}"


class CommitError(Exception):
    """The database refused part of the commit; nothing was written."""

    def __init__(self, problems: list[CommitProblem]) -> None:
        self.problems = problems
        super().__init__(
            f"commit refused, nothing written: {len(problems)} problem(s): "
            + "; ".join(str(p) for p in problems[:10])
        )


class CommitFailed(CommitError):
    """The database failed as a whole (disk full, locked, connection lost): the whole
    transaction was rolled back and nothing was written. One problem, where it happened."""

    def __init__(self, problem: CommitProblem) -> None:
        self.problems = [problem]
        Exception.__init__(self, f"commit failed, nothing written: {problem}")


@dataclass
class CommitReport:
    dry_run: bool
    counts: Counter[str] = field(default_factory=Counter)
    per_resource: dict[str, Counter[str]] = field(default_factory=dict)
    problems: list[CommitProblem] = field(default_factory=list)
    not_applied: list[tuple[str, str, str, str]] = field(default_factory=list)
    journal_id: int | None = None
    skipped_deletions: int = 0  # deletions the strategy did not allow
    images: list[Image] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class Unwritable(Exception):
    """A value the writer cannot store (found before any statement is sent)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


def names_a_record(exc: DBAPIError) -> bool:
    """True for errors about one row's values (a constraint, a bad value): those are worth
    naming per vector. Anything else (disk full, I/O, locks, a lost connection) concerns the
    whole transaction, which the database may already have rolled back."""
    return isinstance(exc, (IntegrityError, DataError)) and not exc.connection_invalidated


def in_transaction(conn: sa.Connection) -> bool:
    """Whether the database still holds our transaction open.

    SQLite ends the whole transaction by itself on some errors (SQLITE_FULL, I/O errors);
    a SAVEPOINT issued after that would start, and its RELEASE commit, a new transaction
    of its own. PostgreSQL never ends a transaction behind the client's back.
    """
    if conn.invalidated or conn.closed:
        return False
    dbapi = conn.connection.dbapi_connection
    return bool(getattr(dbapi, "in_transaction", True))


_COLUMN_IN_MESSAGE = re.compile(r"\b(\w+)\.(\w+)\b")


def short_message(exc: DBAPIError) -> str:
    return str(exc.orig).splitlines()[0] if exc.orig else str(exc).splitlines()[0]


def field_in(exc: DBAPIError, res: Resource) -> str | None:
    """The column a database error is about, when its message or diagnostics say."""
    diag = getattr(exc.orig, "diag", None)
    column = getattr(diag, "column_name", None)
    if column:
        return str(column)
    message = str(exc.orig)
    for table, name in _COLUMN_IN_MESSAGE.findall(message):
        if table == res.name and name in res.columns:
            return name
    return next((name for name in res.columns if re.search(rf"\b{name}\b", message)), None)
