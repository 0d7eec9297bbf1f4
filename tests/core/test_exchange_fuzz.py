"""Hostile exchange files: 10,000 seeded mutations of sample and Eden S3XML, S3JSON and CSV
files per run. Each one loads (every fifth is also planned against an empty THIS and
written as a plan document) — or fails with a SourceError naming the file and the place.
Any other exception, or any case taking over 5 s (a hang detector, not a speed test),
fails the run.

Every case draws its own generator from (seed, kind, case), so a failure is rerun exactly
with `TRUCE_FUZZ_SEED=<seed> pytest tests/core/test_exchange_fuzz.py -k <kind>`; the seed is
printed with every failure. `TRUCE_FUZZ_SCALE=10` runs ten times as many cases.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from builders import create_eden_database

from core.commit import CommitError, commit_plan
from core.export import export
from core.mapping import load_mapping
from core.matching import build_plan
from core.planjson import write_plan
from core.policy import preset
from core.sources.errors import SourceError
from core.sources.limits import Limits
from core.sources.open import open_other
from core.sources.sql import SqlDataset

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "resources" / "samples"
EDEN_EXPORTS = REPO / "tests" / "fixtures" / "eden" / "eden-exports"
SEED = os.environ.get("TRUCE_FUZZ_SEED", "truce-fuzz-1")
SCALE = float(os.environ.get("TRUCE_FUZZ_SCALE", "1"))
CASES = {"xml": 4000, "json": 3500, "csv": 2500}
HANG_SECONDS = 5.0
# Lowered limits, so that values, files and nestings beyond them are cheap to generate.
LIMITS = Limits(value_bytes=4096, depth=6, file_bytes=600_000, loaded_bytes=600_000)
TOKENS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&x;",
    b"&#0;",
    b"&#x110000;",
    b'"',
    b"'",
    b"</resource>",
    b"<resource>",
    b'<resource name="pr_person">',
    b"<!DOCTYPE s3xml>",
    b'<!ENTITY x "y">',
    b"<![CDATA[",
    b"]]>",
    b"<?xml version='1.0' encoding='latin-1'?>",
    b"\x00",
    b"\xff",
    b"\xc3",
    b"\xef\xbb\xbf",
    b"\xfe\xff",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\n",
    b"\r\n",
    b"\r",
    b"1e999",
    b"-1e999",
    b"NaN",
    b"Infinity",
    b"9" * 30,
    b"-" + b"9" * 25,
    b"9" * 5000,
    b"null",
    b"true",
    b'"@uuid"',
    b'"@uuid": {}',
    b'"@uuid": []',
    b'"@uuid": 5',
    b'"$_',
    b'"$k_',
    b'"$_pr_person": [',
    b"<data field='x' value='[[[['>",
    b'"""',
    b"urn:uuid:",
    b"URN:UUID:",
    b"\\u0000",
    b"\\ud800",
    b"9999-12-31T23:59:59-05:00",
    b"0001-01-01T00:00:00+01:00",
    b"2024-02-30",
    b"24:00:00",
    b"\x1b]0;title\x07",
    b"\xe2\x80\xae",
]


# ----- mutations: each takes the bytes and a generator, returns new bytes
def _flip(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 8)):
        if data:
            data[rng.randrange(len(data))] = rng.randrange(256)


def _delete(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data) + 1)
    del data[at : at + rng.randint(1, 400)]


def _token(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data) + 1)
    data[at:at] = rng.choice(TOKENS) * rng.choice((1, 1, 1, 2, 50))


def _duplicate(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data) + 1)
    end = min(len(data), at + rng.randint(1, 3000))
    data[at:at] = data[at:end] * rng.randint(1, 3)


def _truncate(data: bytearray, rng: random.Random) -> None:
    del data[rng.randrange(len(data) + 1) :]


def _noise(data: bytearray, rng: random.Random) -> None:
    at = rng.randrange(len(data) + 1)
    data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))


def _huge(data: bytearray, rng: random.Random) -> None:
    """A value around the (lowered) limit, inside whatever the insertion point is."""
    at = rng.randrange(len(data) + 1)
    size = LIMITS.value_bytes + rng.randint(-200, 200)
    data[at:at] = rng.choice((b"x", b"\xc3\xa9", b"9", b" ", b"\\n")) * (size // 2 + 1)


def _encoding(data: bytearray, rng: random.Random) -> None:
    text = bytes(data).decode("utf-8", "replace")
    choice = rng.randrange(4)
    if choice == 0:
        data[:] = text.encode("utf-16")
    elif choice == 1:
        data[:] = text.encode("utf-16-be")
    elif choice == 2:
        data[:] = text.encode("latin-1", "replace").replace(b"a", b"\xe9", rng.randint(1, 20))
    else:
        data[:0] = b"\xef\xbb\xbf\xef\xbb\xbf"


MUTATIONS: list[Callable[[bytearray, random.Random], None]] = [
    _flip,
    _flip,
    _delete,
    _token,
    _token,
    _duplicate,
    _truncate,
    _noise,
    _huge,
    _encoding,
]


def _nest_xml(data: bytearray, rng: random.Random) -> None:
    """Records nested around the limit, inserted after the root's start tag."""
    levels = rng.randint(LIMITS.depth - 2, LIMITS.depth + 3)
    name = rng.choice((b"pr_person", b"pr_address", b"gis_location", b"org_organisation"))
    opening = b"".join(
        b'<resource name="%s" uuid="urn:uuid:00000000-0000-4000-8000-%012d">' % (name, n)
        for n in range(levels)
    )
    at = data.find(b">", data.find(b"<s3xml")) + 1
    data[at:at] = opening + b"</resource>" * levels


def _nest_json(data: bytearray, rng: random.Random) -> None:
    levels = rng.randint(LIMITS.depth - 2, LIMITS.depth + 3)
    name = rng.choice(("pr_person", "pr_address", "gis_location", "org_organisation"))
    record: dict = {"@uuid": "urn:uuid:00000000-0000-4000-8000-000000000000"}
    for n in range(1, levels):
        record = {"@uuid": f"urn:uuid:00000000-0000-4000-8000-{n:012d}", f"$_{name}": [record]}
    at = data.find(b"{") + 1
    data[at:at] = json.dumps({f"$_{name}": [record]})[1:-1].encode() + b","


# Values that are well-formed in every syntax but hostile to a column: out of range,
# not finite, not a time, odd uuids, controls — swapped in for real values.
HOSTILE_VALUES = [
    b"18446744073709551616",
    b"-18446744073709551616",
    b"99999999999999999999999",
    b"-9223372036854775809",
    b"9223372036854775807",
    b"1e400",
    b"-1e999",
    b"NaN",
    b"Infinity",
    b"1e-400",
    b"0.1e99999999",
    b"9999-12-31T23:00:00-05:00",
    b"0001-01-01T00:00:00+01:00",
    b"2024-02-30",
    b"",
    b" ",
    b"true",
    b"null",
    b"[]",
    b"{}",
    b"URN:UUID:0C004D1E-EBEF-4390-AF74-2D156F141369",
    b" urn:uuid:0c004d1e-ebef-4390-af74-2d156f141369 ",
    b"\x1b]0;owned\x07",
    b"x" * 3000,
]
_VALUE_SLOTS = {
    "xml": re.compile(rb'[a-z_]="([^"<>&]*)"|<data field="[a-z_]{1,40}">([^<&]*)<'),
    "json": re.compile(rb'": "([^"\\]*)"|": (-?[0-9][0-9.eE+-]*)'),
    "csv": re.compile(rb",([^,\r\n\"]*)(?=[,\r\n])"),
}
_JSON_NUMBER = re.compile(rb"-?[0-9][0-9.eE+-]*|NaN|-?Infinity")


def _hostile_values(data: bytearray, rng: random.Random, kind: str) -> None:
    """Swap 1–3 real values for hostile ones, keeping the file well-formed."""
    spans = [_span(m) for m in _VALUE_SLOTS[kind].finditer(data)]
    for start, end, quoted in sorted(rng.sample(spans, min(len(spans), rng.randint(1, 3))))[::-1]:
        value = rng.choice(HOSTILE_VALUES)
        if kind == "json" and quoted:
            value = json.dumps(value.decode()).encode()[1:-1]
        elif kind == "json" and not _JSON_NUMBER.fullmatch(value):
            value = b"0"
        data[start:end] = value


def _span(match: re.Match[bytes]) -> tuple[int, int, bool]:
    group = 1 if match.group(1) is not None else 2
    return match.start(group), match.end(group), group == 1


def mutate(data: bytes, rng: random.Random, kind: str) -> tuple[bytes, bool]:
    """The mutated bytes, and whether they are still well-formed (only values changed)."""
    mutated = bytearray(data)
    if rng.random() < 0.3:
        _hostile_values(mutated, rng, kind)
        return bytes(mutated), True
    if kind != "csv" and rng.random() < 0.08:
        (_nest_xml if kind == "xml" else _nest_json)(mutated, rng)
    for _ in range(rng.randint(1, 4)):
        rng.choice(MUTATIONS)(mutated, rng)
    return bytes(mutated), False


# ----- seeds
@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Seed files and the two THIS databases (empty, so a plan is all creates and cheap)."""
    folder = tmp_path_factory.mktemp("seeds")
    other = SqlDataset(SAMPLES / "incoming.db", readonly=True)
    # A late msince keeps the seed small but with components, references and bad records.
    export(other, folder / "seed.xml", "s3xml", "2024-04-28")
    export(other, folder / "seed.json", "s3json", "2024-04-28")
    export(other, folder / "csv", "csv", "2024-04-28")
    other.close()
    sample_this = folder / "sample-this.db"
    shutil.copy(SAMPLES / "local.db", sample_this)
    _empty(sample_this)
    eden_this = folder / "eden-this.db"
    engine = sa.create_engine(f"sqlite:///{eden_this}")
    create_eden_database(engine, {})
    engine.dispose()
    small_eden = sorted(p for p in EDEN_EXPORTS.iterdir() if p.stat().st_size < 16_000)
    this = {
        "sample": SqlDataset(sample_this),
        "eden": SqlDataset(eden_this, load_mapping("eden")),
    }
    seeds = {
        "xml": [("sample", (folder / "seed.xml").read_bytes())]
        + [("eden", p.read_bytes()) for p in small_eden if p.suffix == ".xml"],
        "json": [("sample", (folder / "seed.json").read_bytes())]
        + [("eden", p.read_bytes()) for p in small_eden if p.suffix == ".s3json"],
        "csv": [("sample", {p.name: p.read_bytes() for p in (folder / "csv").glob("*.csv")})],
    }
    yield {"this": this, "seeds": seeds}
    for dataset in this.values():
        dataset.close()


def _empty(path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
        for table in sa.inspect(conn).get_table_names():
            conn.exec_driver_sql(f'DELETE FROM "{table}"')
    engine.dispose()


def _write_case(
    tmp_path: Path, kind: str, seed: object, rng: random.Random
) -> tuple[Path, str, bool]:
    """The mutated input on disk, the file name its errors must name, and whether only
    its values were changed."""
    if kind != "csv":
        path = tmp_path / f"case.{kind}"
        data, values_only = mutate(seed, rng, kind)  # type: ignore[arg-type]
        path.write_bytes(data)
        return path, path.name, values_only
    path = tmp_path / "csv"
    files: dict[str, bytes] = seed  # type: ignore[assignment]
    if not path.is_dir():
        path.mkdir()
        for name, content in files.items():
            (path / name).write_bytes(content)
    victim = rng.choice(sorted(files))
    data, values_only = mutate(files[victim], rng, kind)
    (path / victim).write_bytes(data)
    return path, victim, values_only


def _load(path: Path, this: SqlDataset, depth: int) -> None:
    """What the CLI does with OTHER: read it (depth 0); plan it and write the plan as
    strict JSON (1); and dry-run the commit, where a value the database cannot hold would
    surface (2). Planning costs three times the reading, so only some cases go deeper."""
    other = open_other(path, this.mapping, limits=LIMITS)
    if depth == 0:
        for _ in other.records(this.schema):
            pass
        other.unknown_columns(this.schema)
        return
    plan = build_plan(this, other, preset("replace"))
    out = io.StringIO()
    write_plan(plan, out)
    json.loads(out.getvalue(), parse_constant=_no_constant)
    if depth == 2:
        with contextlib.suppress(CommitError):  # a database refusal, named per vector
            commit_plan(plan, this, dry_run=True)


def _no_constant(name: str) -> None:
    raise AssertionError(f"bare {name} in the plan document")


@pytest.mark.parametrize("kind", sorted(CASES))
def test_mutated_files_load_or_fail_cleanly(corpus: dict, tmp_path: Path, kind: str) -> None:
    cases = int(CASES[kind] * SCALE)
    problems: list[str] = []
    refused = 0
    for case in range(cases):
        rng = random.Random(f"{SEED}:{kind}:{case}")
        flavour, seed = rng.choice(corpus["seeds"][kind])
        path, expected_name, values_only = _write_case(tmp_path, kind, seed, rng)
        # Well-formed files with hostile values go all the way to a dry-run commit in
        # one case of six; every fifth of the others is planned.
        depth = 2 if values_only and case % 6 == 0 else 1 if case % 5 == 0 else 0
        started = time.monotonic()
        try:
            _load(path, corpus["this"][flavour], depth)
        except SourceError as exc:
            refused += 1
            message = str(exc)
            if expected_name not in message or not re.search(r"line \d+|pointer '", message):
                problems.append(f"case {case}: message names no file and place: {message}")
        except Exception as exc:  # the defect this test exists to find
            problems.append(f"case {case}: {type(exc).__name__}: {exc}"[:500])
        elapsed = time.monotonic() - started
        if kind == "csv":  # the next case starts from the seed again
            (path / expected_name).write_bytes(seed[expected_name])
        if elapsed > HANG_SECONDS:
            problems.append(f"case {case}: took {elapsed:.1f} s (hang detector: {HANG_SECONDS} s)")
    assert not problems, (
        f"{len(problems)} of {cases} {kind} cases failed; rerun with "
        f"TRUCE_FUZZ_SEED={SEED!r} -k {kind}\n" + "\n".join(problems[:10])
    )
    # Both outcomes occur: the mutations neither all break the files nor all miss.
    assert 0 < refused < cases
