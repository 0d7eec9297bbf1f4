"""The export writes S3XML records as text: every character is escaped exactly as lxml
serializes it (and what lxml refuses is refused), checked against lxml itself."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from core.export import xmltext


def _by_lxml(value: str) -> tuple[str, str] | None:
    """(attribute, text) as lxml's xmlfile writes them in UTF-8; None when refused."""
    try:
        elem = etree.Element("a", b=value)
        elem.text = value
    except ValueError:
        return None
    out = io.BytesIO()
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write(elem)
    written = out.getvalue().decode("utf-8")
    head, _, rest = written.partition('">')
    return head[len('<a b="') :], rest[: -len("</a>")]


def _ours(value: str) -> tuple[str, str] | None:
    try:
        return xmltext.attribute(value), xmltext.text(value)
    except ValueError:
        return None


def test_every_character_is_written_as_lxml_writes_it() -> None:
    # The whole BMP, and a sample of the planes above it (all written as they are).
    for code in [*range(0x10000), *range(0x10000, 0x110000, 251), 0x10FFFF]:
        char = chr(code)
        assert _ours("x" + char) == _by_lxml("x" + char), hex(code)


@given(st.text(max_size=40))
def test_any_text_is_written_as_lxml_writes_it(value: str) -> None:
    assert _ours(value) == _by_lxml(value)


@pytest.mark.parametrize("value", ["", "plain", 'a&b<c>d"e\tf\ng\rh', "\U0001f600 ü"])
def test_examples(value: str) -> None:
    assert _ours(value) == _by_lxml(value)
