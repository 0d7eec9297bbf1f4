"""S3JSON reader: Eden's shape, pointers as places, bad records, malformed files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from exchange_helpers import A1, L1, P1, read_all, write

from core.sources.errors import SourceError
from core.sources.s3json import S3JsonFile


def read(path: Path, tmp_path: Path):
    return read_all(S3JsonFile(path), tmp_path)


def test_values_references_components_and_pointers(tmp_path: Path) -> None:
    document = {
        "@muntil": "2024-05-01T10:00:00Z",
        "$_location": [{"@uuid": L1, "name": "Town"}],
        "$_person": [
            {"@uuid": "x", "@modified_on": "last tuesday", "age": "female"},
            {
                "@uuid": P1,
                "@modified_on": "2024-05-01T10:00:00",
                "@deleted": "true",
                "@mci": "3",
                "name": {"@value": "Ann", "$": "label"},
                "age": {"@value": 41},
                "shoe": 42,
                "$k_location_id": {"@resource": "location", "@uuid": L1},
                "$_address": [{"@uuid": A1, "street": "1 Main St"}],
                "$_person_user": [{"@uuid": "u"}],
            },
        ],
    }
    path = write(tmp_path / "a.json", json.dumps(document))
    records, warnings = read(path, tmp_path)
    location, bad, person, address = records
    assert location.values == {"name": "Town"} and location.place == f"{path} /$_location/0"
    assert {p.field for p in bad.problems} == {"modified_on", "age"}
    assert person.values == {"name": "Ann", "age": 41, "location_id": L1}
    assert person.deleted and person.mci == 3 and not person.problems
    assert address.master == ("person", P1)
    assert address.place == f"{path} /$_person/1/$_address/0"
    text = " ".join(warnings)
    assert "shoe" in text and "person_user" in text


def test_records_that_are_not_objects_are_error_records(tmp_path: Path) -> None:
    path = write(
        tmp_path / "a.json", json.dumps({"$_person": [1, {"@uuid": P1}], "$_location": "nope"})
    )
    records, _ = read(path, tmp_path)
    assert [bool(r.problems) for r in records] == [True, False, True]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"$_person": [\n{"@uuid": 1,}]}', "line 2, column"),
        ("[1, 2]", "line 1, column 1"),
        ("", "line 1"),
        ('{"a": "\\ud800' + "x" * 3 + '"', "line 1"),
    ],
)
def test_malformed_files_name_file_line_and_column(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path / "bad.json", text)
    with pytest.raises(SourceError) as caught:
        read(path, tmp_path)
    assert str(path) in str(caught.value) and where in str(caught.value)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b'{"$_person": [\n{"@uuid": "\xff"}]}')
    with pytest.raises(SourceError, match="line 2"):
        read(path, tmp_path)
