"""The words of the sync model (SPEC §1), as string enums so policies may use plain text."""

from __future__ import annotations

from enum import Enum


class Method(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"

    def __str__(self) -> str:
        return self.value


class Resolution(str, Enum):
    THIS = "this"
    OTHER = "other"
    NEWER = "newer"

    def __str__(self) -> str:
        return self.value


class Action(str, Enum):
    """What a commit will do with a vector."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    UNCHANGED = "unchanged"
    SKIP = "skip"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


class Side(str, Enum):
    THIS = "this"
    OTHER = "other"

    def __str__(self) -> str:
        return self.value


FALLBACK_STRATEGY: tuple[Method, ...] = (Method.CREATE, Method.UPDATE)
WRITING_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.DELETE})
