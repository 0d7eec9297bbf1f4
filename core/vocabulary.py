"""The words of the sync model (docs/semantics.md, Vocabulary), as string enums so policies may use
plain text."""

from __future__ import annotations

from enum import StrEnum


class Method(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class Resolution(StrEnum):
    THIS = "this"
    OTHER = "other"
    NEWER = "newer"


class Action(StrEnum):
    """What a commit will do with a vector."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"


class Side(StrEnum):
    """Where a field's result comes from: a side, or a value the person typed."""

    THIS = "this"
    OTHER = "other"
    EDITED = "edited"


FALLBACK_STRATEGY: tuple[Method, ...] = (Method.CREATE, Method.UPDATE)
WRITING_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.DELETE})
