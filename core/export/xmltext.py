"""XML text and attribute values escaped exactly as lxml (libxml2) serializes them into
a UTF-8 document, so an export can write records as text instead of building elements.

What lxml refuses (control characters, lone surrogates, U+FFFE, U+FFFF) is a
`ValueError` here too: the caller then builds that record with lxml, which says why."""

from __future__ import annotations

import re

_REFUSED = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_REFUSED_CHAR = re.compile(f"[{_REFUSED}]")
_TEXT_SPECIAL = re.compile(f"[&<>\r{_REFUSED}]")
_ATTRIBUTE_SPECIAL = re.compile(f'[&<>"\t\n\r{_REFUSED}]')


def text(value: str) -> str:
    """Element text as libxml2 writes it: &, <, > and carriage returns escaped."""
    if _TEXT_SPECIAL.search(value) is None:
        return value
    if _REFUSED_CHAR.search(value):
        raise ValueError("not XML text")
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def attribute(value: str) -> str:
    """An attribute value as libxml2 writes it between double quotes."""
    if _ATTRIBUTE_SPECIAL.search(value) is None:
        return value
    if _REFUSED_CHAR.search(value):
        raise ValueError("not XML text")
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
        .replace("\r", "&#13;")
    )
