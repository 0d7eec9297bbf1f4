"""Errors in plain words: a sentence saying what happened and one saying what to do.

SQL statements and tracebacks go into `details`, which the window shows only behind a
"Details" button. `retry` says whether trying again can help (a locked database).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from core.hooks import HookError
from core.mapping import MappingError
from core.policy import PolicyError
from core.sources.errors import SourceError
from core.staleness import StaleError


@dataclass(frozen=True, slots=True)
class Explanation:
    sentence: str
    advice: str
    retry: bool = False
    details: str = ""


def explain(error: BaseException) -> Explanation:
    if isinstance(error, StaleError):
        shown = "; ".join(error.records[:3]) + (
            f"; and {len(error.records) - 3} more" if len(error.records) > 3 else ""
        )
        return Explanation(
            f"THIS has changed since it was loaded ({shown})",
            "Reload (F5): your decisions are kept wherever their records did not change.",
            details="\n".join(error.records),
        )
    if isinstance(error, DBAPIError):
        return _database(error)
    if isinstance(error, SQLAlchemyError):
        return Explanation("The database could not be used", "See Details.", details=str(error))
    if isinstance(error, OSError):
        where = f"{error.filename}: " if error.filename else ""
        return Explanation(
            f"{where}{error.strerror or error}",
            "Check that the file exists and that you may read and write it.",
            details=str(error),
        )
    if isinstance(error, ValueError | SourceError | MappingError | PolicyError | HookError):
        # The core's own errors (sources, mappings, policies, decisions) name the file
        # and the place already.
        return Explanation(str(error), "Correct the file named above and try again.")
    return Explanation(
        f"Something unexpected went wrong ({type(error).__name__}: {error})",
        "Nothing was written. The details are logged; please report them.",
    )


def _database(error: DBAPIError) -> Explanation:
    message = str(error.orig).strip() if error.orig is not None else str(error)
    lowered = message.lower()
    details = str(error)
    if "locked" in lowered or "lock timeout" in lowered or "could not obtain lock" in lowered:
        return Explanation(
            "THIS is locked by another program that is writing to it",
            "Close that program (or let it finish), then Retry.",
            retry=True,
            details=details,
        )
    if "readonly" in lowered or "read-only" in lowered or "read only" in lowered:
        return Explanation(
            "THIS is read-only, so Truce cannot write to it",
            "Open a writable copy with File ▸ Open THIS, or check the file's permissions.",
            details=details,
        )
    if "unable to open" in lowered or "no such file" in lowered:
        return Explanation(
            "The database file cannot be opened",
            "Check that it exists and that its folder is writable.",
            details=details,
        )
    first = message.splitlines()[0] if message else type(error).__name__
    return Explanation(
        f"The database reported an error: {first}",
        "Nothing was written. See Details for the statement.",
        details=details,
    )
