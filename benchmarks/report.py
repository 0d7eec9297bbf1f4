"""Which Truce measure is compared with which floor, the issue's targets, and the table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Comparison:
    label: str
    truce: str  # "phase" or "phase.measure" (the window's sub-measures)
    floor: str | None
    # "ratio": Truce time / floor time <= limit; "rate": Truce rows/s >= limit x floor's;
    # "seconds": Truce's own time <= limit; None: reported, no target.
    target: str | None = None
    limit: float = 0.0
    memory_limit: float | None = None  # Truce peak / floor peak <= this


COMPARISONS = (
    Comparison("plan DB↔DB", "plan_db", "floor_sqlite_join", "ratio", 1.5, 2.0),
    Comparison("plan DB↔DB vs sqlite3 shell (C)", "plan_db", "floor_sqlite_shell"),
    Comparison("plan DB↔DB vs Python dict join", "plan_db", "floor_dict_join"),
    Comparison("plan DB↔S3XML", "plan_xml", "floor_parse_xml", "ratio", 1.3, 2.0),
    Comparison("plan DB↔S3JSON vs json.load", "plan_json", "floor_parse_json"),
    Comparison("preview --json vs text", "preview_json", "preview_text", "ratio", 1.2),
    Comparison("dry run (rows/s)", "dry_run", "floor_dry_run"),
    Comparison("commit (rows/s)", "commit", "floor_commit", "rate", 0.8),
    Comparison("export S3XML (rows/s)", "export_xml", "floor_write_xml", "rate", 0.8),
    Comparison("PostgreSQL THIS: plan", "plan_pg", "floor_pg_join"),
    Comparison("PostgreSQL THIS: dry run vs executemany", "dry_run_pg", "floor_pg_executemany"),
    Comparison("PostgreSQL THIS: dry run vs COPY", "dry_run_pg", "floor_pg_copy"),
    Comparison("window: first rows listed", "window.first_rows", "floor_table.shown"),
    Comparison("window shown with the plan", "window.shown", "floor_table.shown"),
    Comparison("window usable after the plan", "window.usable_after_plan", None, "seconds", 1.0),
    Comparison("switch to Conflicts tab", "window.conflicts_tab", None, "seconds", 0.2),
    Comparison("switch back to All", "window.all_tab", None, "seconds", 0.2),
    Comparison("search", "window.search", None, "seconds", 0.2),
    Comparison("clear search", "window.clear", None, "seconds", 0.2),
    Comparison(
        "scroll step, max of 100", "window.scroll_max", "floor_table.scroll_max", "seconds", 0.016
    ),
    Comparison("one override repaint", "window.override", None, "seconds", 0.016),
    Comparison("bulk column override", "window.bulk_override", None),
    Comparison("undo (bulk override)", "window.undo", None),
    Comparison("longest UI stall", "window.stall", "floor_table.stall", "seconds", 0.05),
)


def _measure(results: dict[str, Any], key: str) -> tuple[float | None, float | None, Any]:
    """(seconds, peak MB, rows) of a phase or a window sub-measure; None when missing."""
    phase, _, sub = key.partition(".")
    result = results.get(phase)
    if result is None:
        return None, None, None
    if sub:  # a window measure taken before a later step failed or timed out still counts
        value = result.get("measures", {}).get(sub)
        return value, result.get("peak_mb"), None
    if "error" in result:
        return None, None, None
    return result["seconds"], result["peak_mb"], result.get("rows")


def verdicts(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for c in COMPARISONS:
        t_sec, t_mb, t_rows = _measure(results, c.truce)
        f_sec, f_mb, f_rows = _measure(results, c.floor) if c.floor else (None, None, None)
        if t_sec is None and (c.truce.split(".")[0] not in results):
            continue
        row: dict[str, Any] = {
            "phase": c.label,
            "truce_s": t_sec,
            "floor_s": f_sec,
            "truce_mb": t_mb,
            "floor_mb": f_mb,
            "truce_rows": t_rows,
            "floor_rows": f_rows,
        }
        row["ratio"] = _ratio(c, t_sec, f_sec, t_rows, f_rows)
        row["memory_ratio"] = t_mb / f_mb if t_mb and f_mb and "." not in c.truce else None
        row["target"], row["met"] = _target(c, row)
        if t_sec is None and results.get(c.truce.split(".")[0], {}).get("error"):
            row["error"] = results[c.truce.split(".")[0]]["error"]
        rows.append(row)
    return rows


def _ratio(
    c: Comparison, t: float | None, f: float | None, t_rows: Any, f_rows: Any
) -> float | None:
    if not t or not f:
        return None
    if c.target == "rate" and t_rows and f_rows:
        return (f_rows / f) / (t_rows / t)  # how many times slower per row
    return t / f


def _target(c: Comparison, row: dict[str, Any]) -> tuple[str, bool | None]:
    if c.target is None:
        return "—", None
    if c.target == "seconds":
        value = row["truce_s"]
        return f"≤ {c.limit * 1000:.0f} ms", None if value is None else value <= c.limit
    ratio = row["ratio"]
    if c.target == "rate":
        text = f"≥ {c.limit:.1f}× floor rows/s"
        return text, None if ratio is None else 1 / ratio >= c.limit
    text = f"≤ {c.limit:g}×" + (f", mem ≤ {c.memory_limit:g}×" if c.memory_limit else "")
    if ratio is None:
        return text, None
    met = ratio <= c.limit
    if c.memory_limit and row["memory_ratio"] is not None:
        met = met and row["memory_ratio"] <= c.memory_limit
    return text, met


def _seconds(value: float | None, rows: Any = None, rate: bool = False) -> str:
    if value is None:
        return "—"
    text = f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if rate and rows:
        per_second = rows / value
        text += f" ({per_second / 1000:.1f}k rows/s)" if per_second >= 1000 else ""
        text += f" ({per_second:.0f} rows/s)" if per_second < 1000 else ""
    return text


def _num(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:.1f}{suffix}"


def render_table(document: dict[str, Any]) -> str:
    lines = [
        f"{document['size']:,} persons (seed {document['seed']}, generator "
        f"v{document['generator_version']}, Truce {document.get('truce_commit', '?')}, "
        f"{document.get('cpus')} CPUs, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in document.get('load_average_at_end', ()))})",
        "ratio = Truce / floor (for rows/s: floor rate / Truce rate), both measured in this run",
        "",
        "| phase | Truce | floor | ratio | Truce MB | floor MB | mem ratio | target | met? |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    comparisons = {c.label: c for c in COMPARISONS}
    for row in document["comparisons"]:
        rate = comparisons[row["phase"]].target == "rate" or "rows/s" in row["phase"]
        rate = rate or "dry run" in row["phase"]
        met = {True: "met", False: "NOT met", None: "—"}[row["met"]]
        if row.get("error"):
            met = "failed: " + row["error"][:60]
        lines.append(
            f"| {row['phase']} | {_seconds(row['truce_s'], row['truce_rows'], rate)} "
            f"| {_seconds(row['floor_s'], row['floor_rows'], rate)} | {_num(row['ratio'], '×')} "
            f"| {_num(row['truce_mb'])} | {_num(row['floor_mb'])} "
            f"| {_num(row['memory_ratio'], '×')} | {row['target']} | {met} |"
        )
    failed = {k: v["error"] for k, v in document["results"].items() if "error" in v}
    for name, error in failed.items():
        lines.append(f"\n{name} failed: {error}")
    return "\n".join(lines)
