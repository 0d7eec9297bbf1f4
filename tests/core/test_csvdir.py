"""CSV folder reader: headers, links and references as uuids, empty cells, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from exchange_helpers import A1, L1, P1, read_all, write

from core.sources.csvdir import CsvFolder
from core.sources.errors import SourceError


def read(folder: Path, tmp_path: Path):
    return read_all(CsvFolder(folder), tmp_path)


def test_rows_links_references_and_empty_cells(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    write(folder / "address.csv", f'uuid,person_id,street,modified_on\n{A1},{P1},"1 Main\nSt",\n')
    write(
        folder / "person.csv",
        "uuid,modified_on,name,age,location_id,shoe\n"
        f"{P1},2024-05-01T10:00:00Z,Ann,,{L1},42\n"
        "p2,last tuesday,Bob,female,,\n",
    )
    write(folder / "things.csv", "uuid\nx\n")
    records, warnings = read(folder, tmp_path)
    person, bad, address = records
    assert person.values == {"name": "Ann", "age": None, "location_id": L1}
    assert person.place == f"{folder / 'person.csv'} line 2"
    assert {p.field for p in bad.problems} == {"modified_on", "age"}
    assert bad.place.endswith("person.csv line 3")
    assert address.master == ("person", P1) and address.values == {"street": "1 Main\nSt"}
    assert address.modified_on is None
    text = " ".join(warnings)
    assert "things" in text and "shoe" in text


def test_row_with_too_many_cells_is_an_error_record(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    write(folder / "person.csv", f"uuid,name\n{P1},Ann,extra\n")
    (record,), _ = read(folder, tmp_path)
    assert record.problems


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (b"name\nAnn\n", "line 1"),
        (b"", "line 1"),
        (b'uuid,name\nu1,"Ann\nu2,Bob\n', "line"),
        (b"uuid,name\nu1,Ann\nu2,B\xffb\n", "line 3"),
        (b"uuid,name,name\n", "line 1"),
    ],
)
def test_malformed_files_name_file_and_line(tmp_path: Path, data: bytes, where: str) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "person.csv").write_bytes(data)
    with pytest.raises(SourceError) as caught:
        read(folder, tmp_path)
    assert "person.csv" in str(caught.value) and where in str(caught.value)


def test_not_a_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        CsvFolder(tmp_path / "missing")
