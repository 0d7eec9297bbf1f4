"""Reports (docs/reports.md): HTML read back by a real browser, CSV safety, JSON, size."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
from collections import Counter
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from core.cli import main
from core.mapping import CONVENTIONS
from core.plan import Plan
from core.reports import ReportError, write_report
from core.reports.csv import HEADER, write_csv
from core.reports.html import ACTIONS, write_html
from core.session import load_policy, open_pair, open_this
from core.unresolved import unresolved_conflicts
from core.vectors import Vector
from core.vocabulary import Method, Resolution

CHROMIUM = Path("/usr/bin/chromium")
OTHER_ONLY = "urn:uuid:7ec6a4c9-68af-4ce9-b54e-677fefbb2bec"  # edited in OTHER only
HOSTILE = {
    "first_name": "<script>document.title='pwned'</script>",
    "middle_name": '=HYPERLINK("http://evil")',
    "last_name": "+SUM(A1)",
    "comments": "@cmd|' /C calc'!A0\r-2",
}


@pytest.fixture
def hostile_pair(sample_paths: dict[str, Path], tmp_path: Path) -> tuple[Path, Path]:
    """The sample pair, with one OTHER record's values written to attack a reader."""
    this, other = tmp_path / "local.db", tmp_path / "incoming.db"
    shutil.copy(sample_paths["local"], this)
    shutil.copy(sample_paths["incoming"], other)
    with sqlite3.connect(other) as conn:
        sets = ", ".join(f"{k} = ?" for k in HOSTILE)
        conn.execute(f"UPDATE pr_person SET {sets} WHERE uuid = ?", (*HOSTILE.values(), OTHER_ONLY))
    return this, other


def _plan(pair: tuple[Path, Path], policy: str = "replace-newer") -> Plan:
    return open_pair(*pair).plan(load_policy(policy))


class _Counts(HTMLParser):
    """Reads the summary table back: (resource, action) → number, "" for the total row."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[tuple[str, str], int] = {}
        self.ids: dict[str, int] = {}
        self._resource: str | None = None
        self._cell: tuple[str, str] | None = None
        self._id: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and "data-resource" in a:
            self._resource = a["data-resource"] or ""
        elif tag == "td" and "data-action" in a and self._resource is not None:
            self._cell = (self._resource, a["data-action"] or "")
        elif tag == "span" and (a.get("id") or "").startswith("count-"):
            self._id = a["id"]

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self.counts[self._cell] = int(data)
            self._cell = None
        elif self._id is not None:
            self.ids[self._id] = int(data)
            self._id = None


def _expected(plan: Plan) -> dict[tuple[str, str], int]:
    expected = {(r, a): c[a] for r, c in plan.counts_by_resource().items() for a in ACTIONS}
    totals = plan.counts()
    expected.update({("", a): totals[a] for a in ACTIONS})
    return expected


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing (.ci/run installs it)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_html_report_in_a_headless_browser(hostile_pair, tmp_path):
    _chromium_or_skip()
    plan = _plan(hostile_pair)
    report = tmp_path / "plan.html"
    write_report(plan, report)
    result = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--dump-dom",
            report.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = result.stdout
    parser = _Counts()
    parser.feed(dom)
    assert parser.counts == _expected(plan)
    counts = plan.counts()
    assert parser.ids == {
        "count-conflicts": counts["conflicts"],
        "count-blocked": counts["blocked"],
        "count-unresolved": len(unresolved_conflicts(plan)),
    }
    # The hostile value is text, not markup: no script ran, none was parsed.
    assert "<script>" not in dom and "&lt;script&gt;document.title" in dom
    assert "<title>Truce plan" in dom and "pwned" not in dom.split("</title>")[0]


def test_html_lists_errors_and_blocked_first_and_is_self_contained(hostile_pair):
    plan = _plan(hostile_pair)
    out = io.StringIO()
    write_html(plan, out)
    page = out.getvalue()
    order = [page.index(f'id="s-{key}"') for key in ("error", "blocked", "create", "update")]
    assert order == sorted(order)
    for external in ("<script", "src=", 'href="http', "<link", "url(", "@import"):
        assert external not in page
    assert 'href="#s-error"' in page  # in-page navigation only
    errors = sum(1 for v in plan.vectors if v.action.value == "error")
    assert page.count('class="vector a-error"') == errors


def test_csv_rows_and_injection_neutralised(hostile_pair):
    plan = _plan(hostile_pair)
    out = io.StringIO(newline="")
    write_csv(plan, out)
    rows = list(csv.reader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(rows[0]) == HEADER
    body = [dict(zip(HEADER, r, strict=True)) for r in rows[1:]]
    person = {r["field"]: r for r in body if r["uuid"] == OTHER_ONLY}
    assert person["first_name"]["other"] == HOSTILE["first_name"]  # harmless: kept as is
    for name in ("middle_name", "last_name", "comments"):
        assert person[name]["other"] == "'" + HOSTILE[name]
        assert person[name]["result"] == "'" + HOSTILE[name]
    for row in body:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), row
    updates = [v for v in plan.vectors if v.action.value == "update"]
    assert sum(1 for r in body if r["action"] == "update") == sum(len(v.differing) for v in updates)


def test_json_report_is_the_plan_document(hostile_pair, tmp_path, capsys):
    report = tmp_path / "plan.json"
    args = ["preview", *map(str, hostile_pair), "--policy", "replace-newer"]
    assert main([*args, "--report", str(report), "--json"]) == 0
    document = json.loads(report.read_text())
    assert document == json.loads(capsys.readouterr().out)
    # Checked against the databases read with sqlite3, not against Truce's own renderer.
    this, other = hostile_pair
    names = list(HOSTILE)
    with sqlite3.connect(this) as conn:
        this_row = conn.execute(
            f"SELECT {', '.join(names)} FROM pr_person WHERE uuid = ?", (OTHER_ONLY,)
        ).fetchone()
    (vector,) = [v for v in document["vectors"] if v["uuid"] == OTHER_ONLY]
    fields = {f["name"]: f for f in vector["fields"]}
    assert (vector["resource"], vector["action"], document["policy"]) == (
        "pr_person",
        "update",
        "replace-newer",
    )
    assert {n: fields[n]["other"] for n in names} == HOSTILE
    assert {n: fields[n]["this"] for n in names} == dict(zip(names, this_row, strict=True))
    assert {n: fields[n]["result"] for n in names} == HOSTILE  # edited in OTHER only


def test_cli_report_formats(hostile_pair, tmp_path, capsys):
    args = ["preview", *map(str, hostile_pair), "--quiet"]
    assert main([*args, "--report", str(tmp_path / "p.html")]) == 0
    assert main([*args, "--report", str(tmp_path / "p.csv")]) == 0
    assert capsys.readouterr().out == ""
    assert main([*args, "--report", str(tmp_path / "p.pdf")]) == 2
    assert "use .html, .csv or .json" in capsys.readouterr().err
    with pytest.raises(ReportError):
        write_report(_plan(hostile_pair), tmp_path / "p")


class _Pieces(io.StringIO):
    """Remembers the largest single write: a streamed report never writes the whole."""

    largest = 0

    def write(self, text: str) -> int:
        self.largest = max(self.largest, len(text))
        return super().write(text)


def _big_plan(sample_paths: dict[str, Path], count: int) -> Plan:
    this = open_this(sample_paths["local"], CONVENTIONS)
    t0 = datetime(2024, 5, 1)
    vectors = [
        Vector(
            resource="pr_person",
            uuid=f"urn:uuid:00000000-0000-4000-8000-{n:012x}",
            method=Method.UPDATE,
            label=f"Person {n}",
            place=f"row {n}",
            other_values={"first_name": f"New {n}", "last_name": "Same", "comments": f"=c{n}"},
            this_values={"first_name": f"Old {n}", "last_name": "Same", "comments": None},
            differing=("first_name", "comments"),
            this_modified=t0,
            other_modified=t0 + timedelta(hours=n % 3 - 1),
            resolution=Resolution.NEWER,
            this_key=n,
        )
        for n in range(count)
    ]
    return Plan(
        schema=this.schema,
        this_source="big",
        other_source="bigger",
        vectors=vectors,
        unchanged=[],
        this_index={},
    )


def test_100k_vectors_stream_in_small_pieces(sample_paths):
    # speed is measured in benchmarks/; here only that the output is streamed
    plan = _big_plan(sample_paths, 100_000)
    assert Counter(v.action.value for v in plan.vectors)["update"] > 30_000
    for write in (write_html, write_csv):
        out = _Pieces()
        write(plan, out)
        assert out.largest < 10_000 < len(out.getvalue()) // 1000
