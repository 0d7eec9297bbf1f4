"""Hostile values: out-of-range integers and times, NaN, duplicate keys, odd uuids, deep
nesting. Each is a per-value error naming the record and field (or, for what makes a file
unreadable, a SourceError naming the place) — never an internal error or a silent drop."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from builders import create_database, shape, urn
from exchange_helpers import P1, read_all, write

from core.cli import main
from core.planjson import dumps
from core.schema import Column, Kind
from core.sources.errors import SourceError
from core.sources.limits import Limits
from core.sources.s3json import S3JsonFile
from core.sources.s3xml import S3XmlFile
from core.values import converter

P2 = urn(2)
P3 = urn(3)


def _convert(kind: Kind, raw: object) -> object:
    return converter(Column("x", kind))(raw)


@pytest.mark.parametrize(
    "raw", [2**63, -(2**63) - 1, "9223372036854775808", 1e19, Decimal("1e30"), "9" * 5000]
)
def test_integers_outside_64_bits_are_refused(raw: object) -> None:
    with pytest.raises(ValueError, match="out of range"):
        _convert(Kind.INTEGER, raw)


@pytest.mark.parametrize("raw", [2**63 - 1, -(2**63), "-9223372036854775808", " 0042 "])
def test_integers_inside_64_bits_are_kept(raw: object) -> None:
    assert _convert(Kind.INTEGER, raw) == int(str(raw).strip())


@pytest.mark.parametrize(
    "kind, raw",
    [
        (Kind.FLOAT, float("nan")),
        (Kind.FLOAT, "NaN"),
        (Kind.FLOAT, "-inf"),
        pytest.param(Kind.FLOAT, 10**400, id="float-huge-int"),
        (Kind.DECIMAL, "NaN"),
        (Kind.DECIMAL, "Infinity"),
        (Kind.DECIMAL, "1e999"),
        (Kind.INTEGER, float("nan")),
        (Kind.JSON, "[1, NaN]"),
        (Kind.JSON, {"a": [float("inf")]}),
    ],
)
def test_nan_and_infinity_are_refused_in_every_kind(kind: Kind, raw: object) -> None:
    with pytest.raises(ValueError):
        _convert(kind, raw)


def test_the_plan_document_never_holds_a_bare_nan() -> None:
    with pytest.raises(ValueError):
        dumps({"value": float("nan")})
    assert dumps({"label": "a\x9bb"}) == '{"label": "a\\u009bb"}'


def _this(tmp_path: Path, **extra: sa.types.TypeEngine) -> str:
    path = tmp_path / "this.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    create_database(
        engine,
        {"person": [{"uuid": P1, "name": "Ann", "age": 3}]},
        shape(extra={f"person.{k}": v for k, v in extra.items()}),
    )
    engine.dispose()
    return str(path)


def _person(n: int, **fields: object) -> dict:
    return {"@uuid": urn(n), "@modified_on": "2025-01-01T00:00:00Z", "name": f"P{n}", **fields}


def test_bad_values_from_a_file_are_errors_naming_record_and_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: an integer above 2^63 aborted the whole commit with an internal error."""
    this = _this(tmp_path, height=sa.Float())
    document = {
        "$_person": [
            _person(2, age=2**64),
            {**_person(3), "@modified_on": "9999-12-31T23:00:00-05:00"},
            _person(4, height=float("nan")),
            _person(5, age=5),
        ]
    }
    other = write(tmp_path / "other.json", json.dumps(document))
    code = main(["commit", this, str(other), "--policy", "replace", "--yes"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "internal error" not in err
    assert f"{urn(2)} P2: age: integer out of range" in out
    assert f"{urn(3)} P3: modified_on: timestamp '9999-12-31T23:00:00-05:00' is outside" in out
    assert f"{urn(4)} P4: height: not a finite number" in out
    assert (
        f"P2: age: integer out of range (-2^63 to 2^63-1): {2**64} (at {other} /$_person/0)" in out
    )
    engine = sa.create_engine(f"sqlite:///{this}")
    with engine.connect() as conn:
        names = sorted(r[0] for r in conn.execute(sa.text("SELECT name FROM person")))
    engine.dispose()
    assert names == ["Ann", "P5"]


def test_preview_json_of_hostile_values_is_strict_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    this = _this(tmp_path, height=sa.Float())
    document = {"$_person": [_person(2, height=float("inf"), name="\x1b[2J\x07\x9b")]}
    other = write(tmp_path / "other.json", json.dumps(document))
    assert main(["preview", this, str(other), "--json"]) == 0
    text = capsys.readouterr().out
    assert "\x1b" not in text and "\x9b" not in text
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in the plan"))
    [vector] = doc["vectors"]
    assert vector["action"] == "error"


def test_s3json_duplicate_lists_are_an_error_not_a_silent_drop(tmp_path: Path) -> None:
    text = '{"$_person": [{"@uuid": "U1", "name": "A"}],\n "$_person": [{"@uuid": "U2"}]}'
    path = write(tmp_path / "a.json", text.replace("U1", P1).replace("U2", P2))
    with pytest.raises(
        SourceError, match="line 2 \\(pointer \"\"\\): the key '\\$_person' appears"
    ):
        read_all(S3JsonFile(path), tmp_path)


def test_s3json_duplicate_keys_in_a_record_are_its_error(tmp_path: Path) -> None:
    text = (
        '{"$_person": [{"@uuid": "U1", "name": "A", "name": "B"},'
        ' {"@uuid": "U2", "age": {"@value": 1, "@value": 2}}]}'
    )
    path = write(tmp_path / "a.json", text.replace("U1", P1).replace("U2", P2))
    (first, second), _ = read_all(S3JsonFile(path), tmp_path)
    assert [p.message for p in first.problems] == ["the key 'name' appears twice in the record"]
    assert [(p.field, p.message) for p in second.problems] == [
        ("age", "the key '@value' appears twice")
    ]


@pytest.mark.parametrize("uuid", [{"a": 1}, [P1], 42, True])
def test_s3json_uuid_must_be_text(tmp_path: Path, uuid: object) -> None:
    document = {
        "$_person": [{"@uuid": uuid, "name": "A"}],
        "$_address": [{"@uuid": P2, "$k_person_id": {"@resource": "person", "@uuid": uuid}}],
    }
    (person, address), _ = read_all(
        S3JsonFile(write(tmp_path / "a.json", json.dumps(document))), tmp_path
    )
    assert person.uuid is None and "@uuid must be text" in person.problems[-1].message
    assert address.master is None
    assert any("@uuid must be text" in p.message for p in address.problems)


def _nested_json(levels: int) -> dict:
    record: dict = {"@uuid": urn(levels), "street": "x"}
    for n in range(levels - 1, 0, -1):
        record = {"@uuid": urn(n), "street": "x", "$_address": [record]}
    return {"$_address": [record]}


def _nested_xml(levels: int) -> str:
    inner = ""
    for n in range(levels, 0, -1):
        inner = f'<resource name="address" uuid="{urn(n)}">{inner}</resource>'
    return f"<s3xml>{inner}</s3xml>"


@pytest.mark.parametrize("reader", ["xml", "json"])
def test_records_nested_too_deep_are_an_error_naming_the_place(tmp_path: Path, reader: str) -> None:
    """Before: the records below level 64 were dropped without a word."""
    if reader == "xml":
        deep = S3XmlFile(write(tmp_path / "a.xml", _nested_xml(70)))
        ok = S3XmlFile(write(tmp_path / "b.xml", _nested_xml(64)))
        place = "line 1: records nested deeper than 64 levels"
    else:
        deep = S3JsonFile(write(tmp_path / "a.json", json.dumps(_nested_json(70))))
        ok = S3JsonFile(write(tmp_path / "b.json", json.dumps(_nested_json(64))))
        place = "pointer '/$_address/0" + "/$_address/0" * 63 + "/$_address': records nested"
    with pytest.raises(SourceError, match="deeper than 64 levels") as caught:
        read_all(deep, tmp_path)
    assert place in str(caught.value)
    records, _ = read_all(ok, tmp_path)
    assert len(records) == 64


def test_nesting_limit_is_a_parameter(tmp_path: Path) -> None:
    path = write(tmp_path / "a.xml", _nested_xml(4))
    assert len(read_all(S3XmlFile(path, Limits(depth=4)), tmp_path)[0]) == 4
    with pytest.raises(SourceError, match="deeper than 3 levels"):
        read_all(S3XmlFile(path, Limits(depth=3)), tmp_path)
    # elements nested in a <data> count too: libxml2 would otherwise go on to 256 levels
    deep_data = write(
        tmp_path / "d.xml",
        f'<s3xml><resource name="person" uuid="{P1}"><data field="name">'
        + "<x>" * 10
        + "</x>" * 10
        + "</data></resource></s3xml>",
    )
    with pytest.raises(SourceError, match="line 1: records nested deeper than 3 levels"):
        read_all(S3XmlFile(deep_data, Limits(depth=3)), tmp_path)
