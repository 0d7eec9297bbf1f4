"""Typed values a person enters are checked by THIS's column type."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core.edits import EditError, parse_edited_value, text_for_edit
from core.schema import Column, Kind, MetaNames, Reference, Resource


def _resource() -> Resource:
    columns = {
        "name": Column("name", Kind.STRING, nullable=False),
        "note": Column("note", Kind.STRING),
        "age": Column("age", Kind.INTEGER),
        "weight": Column("weight", Kind.FLOAT),
        "price": Column("price", Kind.DECIMAL),
        "alive": Column("alive", Kind.BOOLEAN),
        "missing": Column("missing", Kind.STRING, char_boolean=True),
        "born": Column("born", Kind.DATE),
        "seen": Column("seen", Kind.DATETIME),
        "extra": Column("extra", Kind.JSON),
        "location_id": Column("location_id", Kind.INTEGER),
    }
    return Resource(
        name="pr_person",
        pk="id",
        columns=columns,
        meta=MetaNames(),
        references={"location_id": Reference("pr_person", "location_id", "gis_location", "id")},
    )


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("name", "Ana López", "Ana López"),
        ("age", " 42 ", 42),
        ("weight", "71.5", 71.5),
        ("price", "10.10", Decimal("10.10")),
        ("alive", "false", False),
        ("missing", "T", True),
        ("born", "1990-02-03", date(1990, 2, 3)),
        ("seen", "2024-05-01T10:00:00+02:00", datetime(2024, 5, 1, 8, tzinfo=UTC)),
        ("extra", '{"a": [1, 2]}', {"a": [1, 2]}),
        ("note", "", None),
        ("age", "  ", None),
        (
            "location_id",
            "URN:UUID:3F2504E0-4F89-11D3-9A0C-0305E82C3301",
            "urn:uuid:3f2504e0-4f89-11d3-9a0c-0305e82c3301",
        ),
    ],
)
def test_good_values_are_typed(name: str, text: str, expected: object) -> None:
    assert parse_edited_value(_resource(), name, text) == expected


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("age", "forty", "pr_person.age (integer): not an integer"),
        ("weight", "heavy", "pr_person.weight (float)"),
        ("alive", "maybe", "pr_person.alive (boolean): not a boolean"),
        ("born", "03/02/1990", "pr_person.born (date)"),
        ("seen", "yesterday", "pr_person.seen (datetime)"),
        ("extra", "{oops", "pr_person.extra (json): not JSON"),
        ("name", "", "pr_person.name: a value is required"),
        ("nope", "x", "pr_person.nope: THIS has no such column"),
    ],
)
def test_bad_values_are_refused_with_the_field_named(name: str, text: str, words: str) -> None:
    with pytest.raises(EditError) as caught:
        parse_edited_value(_resource(), name, text)
    assert words in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("name", "Ana"),
        ("age", 7),
        ("alive", True),
        ("born", date(2001, 1, 2)),
        ("seen", datetime(2024, 5, 1, 8, 30, tzinfo=UTC)),
        ("extra", {"k": ["v"]}),
        ("price", Decimal("3.50")),
        ("note", None),
    ],
)
def test_editor_text_reads_back_to_the_value(name: str, value: object) -> None:
    assert parse_edited_value(_resource(), name, text_for_edit(value)) == value
