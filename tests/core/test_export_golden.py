"""The export's bytes do not change when its implementation does.

Every format, with and without msince, of: the bundled sample pair, the Eden reference
data, a small generated benchmark pair and a database of hostile values (bad timestamps,
numbers and booleans, odd uuids, control characters, dangling references, orphan
components). The digests in tests/fixtures/export-golden.json were written by the export
as it was before it streamed (main b17049b, rows re-read by key and typed into records);
any change to them must be a deliberate change of the format, said in its commit.

Regenerate (only for such a change): `python tests/core/test_export_golden.py`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from core.commit import commit_plan
from core.export import export
from core.mapping import CONVENTIONS, load_mapping
from core.matching import build_plan
from core.sources.open import open_other
from core.sources.sql import SqlDataset

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
EDEN = REPO / "tests" / "fixtures" / "eden"
GOLDEN = REPO / "tests" / "fixtures" / "export-golden.json"
FORMATS = {"s3xml": "e.xml", "s3json": "e.json", "csv": "e-csv"}
MSINCE = {"all": None, "since": "2024-03-01T00:00:00Z", "edge": "2024-05-01T10:00:00Z"}


def _median_stamp(dataset: SqlDataset) -> str | None:
    """A msince that splits the dataset: the middle of its modification times."""
    stamps = sorted(r.modified_on for r in dataset.records(dataset.schema) if r.modified_on)
    return stamps[len(stamps) // 2].isoformat() if stamps else None


def _sample(name: str) -> Callable[[Path], SqlDataset]:
    def build(folder: Path) -> SqlDataset:
        return SqlDataset(SAMPLES / name, CONVENTIONS, readonly=True)

    return build


def _eden(export_name: str) -> Callable[[Path], SqlDataset]:
    def build(folder: Path) -> SqlDataset:
        path = folder / "eden.db"
        with sqlite3.connect(path) as conn:
            conn.executescript((EDEN / "eden-schema.sql").read_text(encoding="utf-8"))
        dataset = SqlDataset(path, load_mapping("eden"))
        commit_plan(build_plan(dataset, open_other(EDEN / "eden-exports" / export_name)), dataset)
        return dataset

    return build


def _generated(folder: Path) -> SqlDataset:
    from benchmarks.generate import build_databases

    build_databases(folder / "this.db", folder / "other.db", 60, 7)
    return SqlDataset(folder / "other.db", load_mapping("eden"), readonly=True)


_HOSTILE_SCHEMA = """
CREATE TABLE location (id INTEGER PRIMARY KEY, uuid VARCHAR(64), name VARCHAR(80),
  parent INTEGER REFERENCES location(id), modified_on DATETIME, created_on DATETIME,
  deleted BOOLEAN, mci INTEGER);
CREATE TABLE person (id INTEGER PRIMARY KEY, uuid VARCHAR(64), name VARCHAR(80), age INTEGER,
  score FLOAT, amount NUMERIC(10, 2), flag BOOLEAN, born DATE, seen DATETIME, note JSON,
  data BLOB, location_id INTEGER REFERENCES location(id), modified_on DATETIME,
  created_on DATETIME, deleted BOOLEAN, mci INTEGER);
CREATE TABLE address (id INTEGER PRIMARY KEY, uuid VARCHAR(64),
  person_id INTEGER REFERENCES person(id) ON DELETE CASCADE, street VARCHAR(80),
  location_id INTEGER REFERENCES location(id), modified_on DATETIME, created_on DATETIME,
  deleted BOOLEAN, mci INTEGER);
"""
_U = "00000000-0000-4000-8000-{:012x}"
_LOCATIONS = [
    (1, "urn:uuid:" + _U.format(1), "Province", None, "2024-01-01 00:00:00", None, 0, 0),
    (2, _U.format(2).upper(), "Town\r\nnorth", 1, "2024-02-01T00:00:00", "bad", "T", 2),
    (3, " urn:uuid:" + _U.format(3) + " ", "", 2, None, "2023-12-31", 1, None),
    (4, "not-a-uuid", 'Village <&> "q"', 99, "2024-06-01 12:00:00+02:00", None, "x", "x"),
    (5, "", "blank uuid", None, "2024-06-02 00:00:00", None, None, " 7 "),
]
# Values, one hostile kind per column, cycled over the persons so every pair meets.
_COLUMNS = {
    "name": ["Ann", "ctl\x01char", "cr\rhere", "emoji \U0001f600", "", "  spaced  ", "a&b<c>"],
    "age": [31, " 0042 ", "9223372036854775808", 3.0, "abc", None, -(2**63)],
    "score": [1.5, 3, "NaN", "1e5", 1e300, None, "x"],
    "amount": [12.5, "12.50", "x", 3, None, "1e999", 0.1],
    "flag": [1, 0, "T", "yes", "maybe", 2, None],
    "born": ["1990-01-31", "1990-02-30", "1990-01-31 10:00:00", None, "31/01/1990", "2000-02-29"],
    "seen": [
        "2024-01-01 08:00:00",
        "2024-01-01T08:00:00",
        "2024-01-01 08:00:00.123456",
        "2024-01-01T08:00:00+02:00",
        "2024-01-01",
        " 2024-01-01 08:00:00 ",
        "yesterday",
        "2024-13-01 00:00:00",
        "0001-01-01T00:30+01:00",
        None,
    ],
    "note": ['[1, "a"]', '{"a": {"b": null}}', "not json", '"text"', "NaN", "1.0", None],
    "data": [b"\xffbytes", "text", None, 5, b"plain"],
    "location_id": [1, 2, 99, None, 4, 5],
    "modified_on": [
        "2024-01-05 10:00:00",
        "2024-03-05 10:00:00",
        None,
        "2024-05-01 10:00:00",
        "garbage",
        "2024-04-01T10:00:00Z",
        "2024-04-01 10:00:00.5",
        "2024-02-01 09:00:00-05:00",
    ],
    "created_on": ["2023-01-01 00:00:00", None, "bad", "2023-01-01T00:00:00+01:00"],
    "deleted": ["F", "T", 1, 0, None, "x", "false"],
    "mci": [None, 0, 5, "x", " 7 ", 2**62],
}
_UUIDS = [
    "urn:uuid:" + _U.format(100),
    _U.format(101),
    _U.format(102).upper(),
    "URN:UUID:" + _U.format(103),
    "person-odd-id",
    "",
    None,
    "urn:uuid:" + _U.format(100),  # a duplicate identity
]


def _hostile(folder: Path) -> SqlDataset:
    path = folder / "hostile.db"
    conn = sqlite3.connect(path)
    conn.executescript(_HOSTILE_SCHEMA)
    conn.executemany("INSERT INTO location VALUES (?,?,?,?,?,?,?,?)", _LOCATIONS)
    names = list(_COLUMNS)
    for n in range(24):
        row = {name: values[n % len(values)] for name, values in _COLUMNS.items()}
        uuid = _UUIDS[n] if n < len(_UUIDS) else "urn:uuid:" + _U.format(100 + n)
        conn.execute(
            f"INSERT INTO person (id, uuid, {', '.join(names)}) "
            f"VALUES (?, ?, {', '.join('?' * len(names))})",
            (10 + n, uuid, *(row[name] for name in names)),
        )
    addresses = [
        (1, "urn:uuid:" + _U.format(200), 10, "Main St", 1, "2024-01-06 00:00:00", None, 0, 0),
        (2, "urn:uuid:" + _U.format(201), 10, "New St", 2, "2024-04-06 00:00:00", None, 0, 1),
        (3, "urn:uuid:" + _U.format(202), 11, None, None, None, "bad", 1, None),
        (4, "urn:uuid:" + _U.format(203), 999, "orphan", 1, "2024-04-07 00:00:00", None, 0, 0),
        (5, "urn:uuid:" + _U.format(204), None, "no master", None, "2024-04-08", None, 0, 0),
        (6, "urn:uuid:" + _U.format(205), 12, "ctl\x02", 99, "bad", None, "T", "x"),
        (7, "urn:uuid:" + _U.format(206), 14, "odd master", 3, "2024-04-09 00:00:00", None, 0, 0),
        (8, "urn:uuid:" + _U.format(207), 10, "same time", 1, "2024-01-06 00:00:00", None, 0, 0),
        (9, "urn:uuid:" + _U.format(208), 15, "blank-uuid master", 5, None, None, 0, 0),
    ]
    conn.executemany("INSERT INTO address VALUES (?,?,?,?,?,?,?,?,?)", addresses)
    conn.commit()
    conn.close()
    return SqlDataset(path, CONVENTIONS, readonly=True)


CASES: dict[str, Callable[[Path], SqlDataset]] = {
    "sample-incoming": _sample("incoming.db"),
    "sample-local": _sample("local.db"),
    "eden-seeded": _eden("01-seeded-pr_person-addr_contact.xml"),
    "eden-mutated": _eden("02-mutated-pr_person-addr_contact-deleted.xml"),
    "eden-organisations": _eden("01-seeded-org_organisation.xml"),
    "generated": _generated,
    "hostile": _hostile,
}


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    for file in files:
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def _digests(case: str, folder: Path) -> dict[str, str]:
    dataset = CASES[case](folder)
    found = {}
    try:
        times = {**MSINCE, "median": _median_stamp(dataset)}
        for fmt, name in FORMATS.items():
            for label, msince in times.items():
                out = folder / f"{label}-{name}"
                result = export(dataset, out, fmt, msince)
                stamp = result.muntil.isoformat() if result.muntil else None
                found[f"{fmt} {label}"] = f"{_digest(out)} {result.count} {stamp}"
    finally:
        dataset.close()
    return found


@pytest.mark.parametrize("case", list(CASES))
def test_export_bytes_are_what_they_were(case: str, tmp_path: Path) -> None:
    expected = json.loads(GOLDEN.read_text(encoding="utf-8"))[case]
    assert _digests(case, tmp_path) == expected


if __name__ == "__main__":
    import tempfile

    sys.path.insert(0, str(REPO))
    golden = {}
    for case in CASES:
        with tempfile.TemporaryDirectory() as folder:
            golden[case] = _digests(case, Path(folder))
    GOLDEN.write_text(json.dumps(golden, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
