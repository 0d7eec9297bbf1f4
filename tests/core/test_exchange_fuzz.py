"""Mutated exchange files either load or fail with a SourceError naming file and line.

Deterministic (seeded) byte-level mutations of a small slice of the sample OTHER dataset,
2,400 cases per run: zero uncaught exceptions, and no case may take a second.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from core.export import export
from core.sources.errors import SourceError
from core.sources.open import open_other
from core.sources.sql import SqlDataset

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
TOKENS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&x;",
    b'"',
    b"'",
    b"</resource>",
    b"<resource>",
    b"<!DOCTYPE s3xml>",
    b"]]>",
    b"\x00",
    b"\xff",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"1e999",
    b"9" * 5000,
    b"null",
    b"true",
    b'"@uuid"',
    b'"$_',
    b'"$k_',
    b"<data field='x' value='[[[['>",
    b'"""',
    b"urn:uuid:",
    b"\\u0000",
]
CASES = {"xml": 900, "json": 900, "csv": 600}


def _mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(data) + 1)
        op = rng.randrange(6)
        if op == 0 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif op == 1:
            del data[at : at + rng.randint(1, 40)]
        elif op == 2:
            data[at:at] = rng.choice(TOKENS)
        elif op == 3:
            end = min(len(data), at + rng.randint(1, 200))
            data[at:at] = data[at:end]
        elif op == 4:
            del data[at:]
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("seeds")
    this = SqlDataset(SAMPLES / "local.db", readonly=True)
    other = SqlDataset(SAMPLES / "incoming.db", readonly=True)
    # A late msince keeps the seed small but with components, references and bad records.
    export(other, folder / "seed.xml", "s3xml", "2024-04-26")
    export(other, folder / "seed.json", "s3json", "2024-04-26")
    export(other, folder / "csv", "csv", "2024-04-26")
    other.close()
    yield {
        "schema": this.schema,
        "xml": (folder / "seed.xml").read_bytes(),
        "json": (folder / "seed.json").read_bytes(),
        "csv": {p.name: p.read_bytes() for p in (folder / "csv").glob("*.csv")},
    }
    this.close()


def _load(path: Path, schema) -> None:
    source = open_other(path)
    for _ in source.records(schema):
        pass
    source.unknown_columns(schema)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_mutated_files_load_or_fail_cleanly(seeds: dict, tmp_path: Path, kind: str) -> None:
    rng = random.Random(f"truce-fuzz-{kind}")
    schema = seeds["schema"]
    failures = 0
    for case in range(CASES[kind]):
        if kind == "csv":
            path = tmp_path / f"case{case}"
            path.mkdir()
            victim = rng.choice(sorted(seeds["csv"]))
            for name, data in seeds["csv"].items():
                (path / name).write_bytes(_mutate(data, rng) if name == victim else data)
            expected_name = victim
        else:
            path = tmp_path / f"case{case}.{kind}"
            path.write_bytes(_mutate(seeds[kind], rng))
            expected_name = path.name
        try:
            _load(path, schema)
        except SourceError as exc:
            failures += 1
            message = str(exc)
            assert expected_name in message, (case, message)
            assert re.search(r"line \d+", message), (case, message)
    assert 0 < failures < CASES[kind]
