"""Plan reports for people and scripts: HTML, CSV or the truce-plan/1 JSON (docs/reports.md).

Every writer streams: pieces go to the file as they are made, one vector at a time.
"""

from __future__ import annotations

from pathlib import Path

from core.plan import Plan
from core.planjson import write_plan
from core.reports.csv import write_csv
from core.reports.html import write_html

FORMATS = {".html": "html", ".htm": "html", ".csv": "csv", ".json": "json"}


class ReportError(ValueError):
    """The report cannot be written (unknown format); names the file."""


def report_format(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ReportError(
            f"{path}: unknown report format {suffix or '(no suffix)'!r}; use .html, .csv or .json"
        )
    return FORMATS[suffix]


def write_report(plan: Plan, path: str | Path) -> str:
    """Write the report whose format the file's suffix names; returns the format."""
    kind = report_format(path)
    with open(path, "w", encoding="utf-8", newline="" if kind == "csv" else None) as out:
        if kind == "html":
            write_html(plan, out)
        elif kind == "csv":
            write_csv(plan, out)
        else:
            write_plan(plan, out)
    return kind
