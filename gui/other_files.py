"""OTHER as one location or several files read as one dataset (Eden's sync feeds, one per
resource: docs/eden.md).

Where OTHER is one line of text (the Open dialog, the recent list), several files are
written separated by ";"; a text that names an existing path as a whole is one location.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

SEPARATOR = "; "


def split_others(text: str) -> tuple[str, ...]:
    """The locations in one line of text: `a.xml; b.xml` → ("a.xml", "b.xml")."""
    text = text.strip()
    if not text or ";" not in text or "://" in text or Path(text).exists():
        return (text,) if text else ()
    return tuple(part.strip() for part in text.split(";") if part.strip())


def join_others(others: Sequence[str]) -> str:
    return SEPARATOR.join(others)


def others_name(others: Sequence[str]) -> str:
    """A short name for a title: the file name, or the first and how many more."""
    if not others:
        return ""
    first = Path(others[0]).name or others[0]
    return first if len(others) == 1 else f"{first} + {len(others) - 1} more"


def is_feed(location: str) -> bool:
    """Only OTHER can be a file like this (THIS is always a database)."""
    return Path(location).suffix.lower() in (".xml", ".json", ".csv") or Path(location).is_dir()
