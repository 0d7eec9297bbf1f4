"""Record identity: canonical uuids (docs/semantics.md, Matching)."""

from __future__ import annotations

import re

_HEX_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z"
)
_PREFIX = "urn:uuid:"
_CANONICAL = re.compile(r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


def canonical_uuid(raw: object) -> str | None:
    """The form two uuids are compared in; None for a missing or blank uuid.

    An RFC 4122 uuid in ASCII hex, with or without a ``urn:uuid:`` prefix, becomes
    ``urn:uuid:<lowercase hex>``; any other string is kept exactly (trimmed).
    """
    if raw is None:
        return None
    if type(raw) is str and _CANONICAL.match(raw):  # already canonical: most are
        return raw
    text = str(raw).strip()
    if not text:
        return None
    bare = text[len(_PREFIX) :] if text[: len(_PREFIX)].lower() == _PREFIX else text
    if _HEX_UUID.match(bare):
        return _PREFIX + bare.lower()
    return text


def stored_forms(canonical: str) -> tuple[str, ...]:
    """The spellings a database may hold for a canonical uuid (for lookups in SQL)."""
    if not canonical.startswith(_PREFIX):
        return (canonical,)
    bare = canonical[len(_PREFIX) :]
    upper = bare.upper()
    return (canonical, bare, _PREFIX + upper, upper)
