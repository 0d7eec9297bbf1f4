"""S3XML reader: values, references, components, bad records, malformed and hostile files."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from exchange_helpers import A1, L1, P1, empty_schema, read_all, write
from lxml import etree

from core.sources.errors import SourceError
from core.sources.s3xml import S3XmlFile


def read(path: Path, tmp_path: Path):
    return read_all(S3XmlFile(path), tmp_path)


def test_values_references_and_components(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.xml",
        f"""<?xml version='1.0' encoding='utf-8'?>
<s3xml>
  <resource name="location" uuid="{L1.upper()[9:]}" modified_on="2024-05-01T10:00:00Z">
    <data field="name">Town</data>
  </resource>
  <resource name="person" uuid="{P1}" modified_on="2024-05-01T12:00:00+02:00"
            created_on="2024-05-01" mci="2" deleted="false" url="ignored">
    <data field="name" value="&quot;Ann&quot;">display label</data>
    <data field="age" value="41">forty-one</data>
    <reference field="location_id" resource="location" uuid="{L1}">Town</reference>
    <resource name="address" uuid="{A1}" modified_on="2024-05-01T09:00:00">
      <data field="street">1 Main St</data>
      <reference field="location_id" resource="location" uuid="{L1}"/>
    </resource>
  </resource>
</s3xml>""",
    )
    records, warnings = read(path, tmp_path)
    assert warnings == []
    location, person, address = records
    assert location.uuid == L1 and location.values == {"name": "Town"}
    assert person.values == {"name": "Ann", "age": 41, "location_id": L1}
    assert person.modified_on == datetime(2024, 5, 1, 10, tzinfo=UTC)
    assert person.created_on == datetime(2024, 5, 1, tzinfo=UTC)
    assert (person.mci, person.deleted, person.problems) == (2, False, [])
    # libxml2 numbers an element by the line where its start tag ends.
    assert person.place == f"{path} line 7"
    assert address.master == ("person", P1)
    assert "person_id" not in address.values
    assert address.values == {"street": "1 Main St", "location_id": L1}


def test_bad_values_become_problems_and_the_rest_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.xml",
        f"""<s3xml>
<resource name="person" uuid="{P1}" modified_on="last tuesday">
  <data field="name">Ann</data><data field="age">female</data>
</resource>
<resource name="person" modified_on="2024-05-01"><data field="name">No uuid</data></resource>
<resource name="person" uuid="p3" deleted="True"><data field="name">Gone</data></resource>
</s3xml>""",
    )
    records, _ = read(path, tmp_path)
    assert len(records) == 3
    fields = {p.field for p in records[0].problems}
    assert fields == {"modified_on", "age"}
    assert records[0].values["name"] == "Ann"
    assert [p.field for p in records[1].problems] == ["uuid"]
    assert records[1].place.endswith("line 5")
    assert records[2].deleted and records[2].uuid == "p3"


def test_unknown_resources_and_fields_are_skipped_with_a_warning(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.xml",
        f"""<s3xml>
<resource name="person" uuid="{P1}"><data field="name">Ann</data><data field="shoe">42</data>
  <resource name="person_user" uuid="x"><data field="user_id">1</data></resource>
</resource>
<resource name="auth_user" uuid="y"><resource name="address" uuid="{A1}"/></resource>
</s3xml>""",
    )
    records, warnings = read(path, tmp_path)
    assert [r.resource for r in records] == ["person"]
    assert records[0].values == {"name": "Ann"}
    text = " ".join(warnings)
    assert "person_user" in text and "auth_user" in text and "shoe" in text


def test_reference_to_the_wrong_resource_is_a_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.xml",
        f"""<s3xml><resource name="person" uuid="{P1}">
<data field="name">Ann</data><reference field="location_id" resource="person" uuid="{P1}"/>
</resource></s3xml>""",
    )
    (record,), _ = read(path, tmp_path)
    assert [p.field for p in record.problems] == ["location_id"]


def test_multi_reference_list_in_uuid(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.xml",
        f"""<s3xml><resource name="person" uuid="{P1}">
<reference field="location_id" resource="location" uuid='["{L1.upper()[9:]}"]'/>
</resource><resource name="person" uuid="p2">
<reference field="location_id" resource="location" uuid='["{L1}", "{P1}"]'/>
</resource></s3xml>""",
    )
    (one, two), _ = read(path, tmp_path)
    assert one.values["location_id"] == L1 and not one.problems
    assert [p.field for p in two.problems] == ["location_id"]


def test_top_level_component_links_to_its_master_by_reference(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.xml",
        f"""<s3xml><resource name="address" uuid="{A1}">
<reference field="person_id" resource="person" uuid="{P1}">Ann</reference>
<data field="street">x</data></resource></s3xml>""",
    )
    (record,), _ = read(path, tmp_path)
    assert record.master == ("person", P1)
    assert record.values == {"street": "x"}


def test_value_attribute_kinds(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.xml",
        f"""<s3xml><resource name="person" uuid="{P1}">
<data field="name" value="null">shown</data><data field="age" value="1984-03-14"/>
</resource></s3xml>""",
    )
    (record,), _ = read(path, tmp_path)
    # value="null" is no value; a date where an integer belongs is a problem, not a value
    assert record.values == {"name": None, "age": None}
    assert [(p.field, p.message) for p in record.problems] == [
        ("age", "not an integer: '1984-03-14'")
    ]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("<s3xml><resource name='person'>", "line 1"),
        ("<s3xml>\n<resource name='person' uuid='a'></data></s3xml>", "line 2"),
        ("", "line 1"),
        ("<other/>", "line 1"),
    ],
)
def test_malformed_files_name_file_line_and_column(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path / "bad.xml", text)
    with pytest.raises(SourceError) as caught:
        read(path, tmp_path)
    assert str(path) in str(caught.value) and where in str(caught.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="cannot read"):
        read(tmp_path / "nope.xml", tmp_path)


# ----- hostile files: generated here, never committed
SECRET = "TOPSECRET-7f3a9c-DO-NOT-LEAK"


def _attacks(tmp_path: Path) -> dict[str, str]:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    lols = "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    big = "A" * 100_000
    record = '<resource name="person" uuid="u1"><data field="name">{}</data></resource>'
    return {
        "billion-laughs": f'<?xml version="1.0"?><!DOCTYPE s3xml [<!ENTITY lol0 "lol">{lols}]>'
        f"<s3xml>{record.format('&lol9;')}</s3xml>",
        "quadratic-blowup": f'<?xml version="1.0"?><!DOCTYPE s3xml [<!ENTITY a "{big}">]>'
        f"<s3xml>{record.format('&a;' * 20_000)}</s3xml>",
        "xxe": f'<?xml version="1.0"?><!DOCTYPE s3xml [<!ENTITY xxe SYSTEM '
        f'"file://{secret}">]><s3xml>{record.format("&xxe;")}</s3xml>',
        "dtd-fetch": '<?xml version="1.0"?><!DOCTYPE s3xml SYSTEM "http://127.0.0.1:9/x.dtd">'
        f"<s3xml>{record.format('x')}</s3xml>",
        "parameter-entity": '<?xml version="1.0"?><!DOCTYPE s3xml [<!ENTITY % p SYSTEM '
        f'"file://{secret}"> %p;]><s3xml>{record.format("x")}</s3xml>',
        "late-doctype": f'<?xml version="1.0"?><!--{"x" * 70_000}--><!DOCTYPE s3xml '
        f'[<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f"<s3xml>{record.format('&xxe;')}</s3xml>",
    }


@pytest.mark.parametrize(
    "attack",
    ["billion-laughs", "quadratic-blowup", "xxe", "dtd-fetch", "parameter-entity", "late-doctype"],
)
def test_hostile_files_are_refused_fast_and_leak_nothing(tmp_path: Path, attack: str) -> None:
    schema = empty_schema(tmp_path)
    path = write(tmp_path / f"{attack}.xml", _attacks(tmp_path)[attack])
    source = S3XmlFile(path)
    records = []
    with pytest.raises(SourceError) as caught:
        records.extend(source.records(schema))
    message = str(caught.value)
    assert "DOCTYPE" in message and str(path) in message and "line" in message
    assert SECRET not in message
    assert all(SECRET not in repr(r) for r in records)


def test_records_are_freed_as_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When a record is handed out, the subtrees of the records before it are gone: at most
    the previous top-level element is left, and it is empty (memory stays flat)."""
    fields = "".join(f'<data field="name">n{{n}}-{k}</data>' for k in range(5))
    body = "".join(
        f'<resource name="person" uuid="u{n}">{fields.format(n=n)}</resource>' for n in range(2000)
    )
    path = write(tmp_path / "many.xml", f"<s3xml>{body}</s3xml>")
    schema = empty_schema(tmp_path)
    roots: list[etree._Element] = []
    real_events = S3XmlFile._events

    def observed(self: S3XmlFile) -> Iterator[tuple[str, etree._Element]]:
        # the parser's events as the reader sees them; the first is the root's start
        for event, elem in real_events(self):
            if not roots:
                roots.append(elem)
            yield event, elem

    monkeypatch.setattr(S3XmlFile, "_events", observed)
    seen = 0
    most_alive = 0
    for record in S3XmlFile(path).records(schema):
        root = roots[0]
        current = next(i for i, e in enumerate(root) if e.get("uuid") == f"u{seen}")
        before = root[:current]
        assert len(before) <= 1, f"record {seen}: {len(before)} earlier records still in the tree"
        assert all(len(e) == 0 for e in before), f"record {seen}: an earlier record not cleared"
        most_alive = max(most_alive, sum(1 for _ in root.iter()))
        assert record.values["name"] == f"n{seen}-4"
        seen += 1
    assert seen == 2000
    # what is alive is bounded by the parser's read-ahead, not by the file
    assert most_alive < 2000
