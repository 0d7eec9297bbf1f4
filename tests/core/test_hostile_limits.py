"""Size limits of exchange files: refused while reading, before memory grows with them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from exchange_helpers import P1, read_all, write

from core.sources import s3xml
from core.sources.csvdir import CsvFolder
from core.sources.errors import SourceError
from core.sources.limits import DEFAULT_LIMITS, Limits
from core.sources.open import open_other
from core.sources.s3json import S3JsonFile
from core.sources.s3xml import S3XmlFile

SMALL = Limits(value_bytes=1000, depth=8, file_bytes=100_000, loaded_bytes=50_000)


def _xml(tmp_path: Path, attribute: str = "Ann", text: str = "x") -> Path:
    return write(
        tmp_path / "a.xml",
        f'<s3xml>\n<resource name="person" uuid="{P1}">\n'
        f'<data field="name" value="{attribute}"/>\n<data field="comments">{text}</data>\n'
        "</resource>\n</s3xml>\n",
    )


def test_an_attribute_value_over_the_limit_is_refused_naming_the_line(tmp_path: Path) -> None:
    assert read_all(S3XmlFile(_xml(tmp_path, "a" * 900), SMALL), tmp_path)[0]
    with pytest.raises(SourceError, match=r"a\.xml: line 3: an attribute value or text longer"):
        read_all(S3XmlFile(_xml(tmp_path, "a" * 1001), SMALL), tmp_path)


def test_a_text_node_over_the_limit_is_refused(tmp_path: Path) -> None:
    assert read_all(S3XmlFile(_xml(tmp_path, text="t" * 900), SMALL), tmp_path)[0]
    with pytest.raises(SourceError, match="line 4: an attribute value or text longer than 1,000"):
        read_all(S3XmlFile(_xml(tmp_path, text="t\n" * 600), SMALL), tmp_path)


@pytest.mark.parametrize("kind", ["xml", "json"])
def test_a_file_over_the_limit_is_refused_before_it_is_read(tmp_path: Path, kind: str) -> None:
    if kind == "xml":
        path = _xml(tmp_path, text="<x/>" * 30_000)
        source = S3XmlFile(path, SMALL)
    else:
        path = write(tmp_path / "a.json", json.dumps({"$_person": [{"@uuid": P1}] * 2000}))
        source = S3JsonFile(path, SMALL)
    with pytest.raises(SourceError, match="line 1, column 1: the file is .* over the limit") as err:
        read_all(source, tmp_path)
    # S3JSON has no streaming reader: the message says which export would be read.
    assert ("S3XML export of the same data streams" in str(err.value)) == (kind == "json")


def test_a_csv_line_over_the_limit_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    write(folder / "person.csv", f"uuid,name\n{P1},{'n' * 5000}\n")
    with pytest.raises(SourceError, match=r"person\.csv: line 2: longer than 1,000 bytes"):
        read_all(CsvFolder(folder, SMALL), tmp_path)


def test_open_other_passes_the_limits_to_the_reader(tmp_path: Path) -> None:
    path = _xml(tmp_path, "a" * 1001)
    with pytest.raises(SourceError, match="longer than 1,000 bytes"):
        read_all(open_other(path, limits=SMALL), tmp_path)


def test_a_value_just_over_the_default_limit_is_refused_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default limit, on a value 20 MB past it: refused after reading about the limit,
    not the whole value (libxml2 would buffer all of it first, and crash at 2 GiB)."""
    limit = DEFAULT_LIMITS.value_bytes
    path = tmp_path / "big.xml"
    with path.open("wb") as out:
        out.write(f'<s3xml><resource name="person" uuid="{P1}"><data field="name" value="'.encode())
        for _ in range(30):
            out.write(b"v" * 1_000_000)
        out.write(b'"/></resource></s3xml>')
    read = []
    real_read = s3xml._read

    def counting(stream, size, label):
        chunk = real_read(stream, size, label)
        read.append(len(chunk))
        return chunk

    monkeypatch.setattr(s3xml, "_read", counting)
    with pytest.raises(SourceError, match=f"longer than {limit:,} bytes"):
        read_all(S3XmlFile(path), tmp_path)
    assert sum(read) <= limit + 2 * max(read)
