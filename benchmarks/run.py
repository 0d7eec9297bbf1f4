"""Every Truce phase as a ratio to a floor measured in the same run.

    python benchmarks/run.py --size 100000 [--phases core,gui] [--json [FILE]]

Generates (once, cached under tmp/bench/) an Eden-shaped pair of `--size` persons, then
runs each phase in its own child process — Truce's and its floor's back to back, so both
see the same machine load — and prints one row per phase: Truce's time, the floor's,
their ratio, both peak memories (ru_maxrss of the child), the issue's target and whether
it is met. Only ratios are comparable between machines; seconds are context.
See docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate import CACHE, GENERATOR_VERSION, Pair, ensure_pair  # noqa: E402
from benchmarks.report import render_table, verdicts  # noqa: E402

# name: (module, function); a floor runs right before the Truce phase it is compared with.
PHASES: dict[str, tuple[str, str]] = {
    "floor_sqlite_join": ("benchmarks.floors", "sqlite_join"),
    "floor_sqlite_shell": ("benchmarks.floors", "sqlite_shell"),
    "floor_dict_join": ("benchmarks.floors", "dict_join"),
    "plan_db": ("benchmarks.truce_phases", "plan_db"),
    "floor_parse_xml": ("benchmarks.floors", "parse_xml"),
    "plan_xml": ("benchmarks.truce_phases", "plan_xml"),
    "floor_parse_json": ("benchmarks.floors", "parse_json"),
    "plan_json": ("benchmarks.truce_phases", "plan_json"),
    "preview_text": ("benchmarks.truce_phases", "preview_text"),
    "preview_json": ("benchmarks.truce_phases", "preview_json"),
    "floor_dry_run": ("benchmarks.floors", "dry_run"),
    "dry_run": ("benchmarks.truce_phases", "dry_run"),
    "floor_commit": ("benchmarks.floors", "commit"),
    "commit": ("benchmarks.truce_phases", "commit"),
    "floor_write_xml": ("benchmarks.floors", "write_floor"),
    "export_xml": ("benchmarks.truce_phases", "export_xml"),
    "floor_pg_join": ("benchmarks.pg", "server_join"),
    "plan_pg": ("benchmarks.pg", "plan"),
    "floor_pg_executemany": ("benchmarks.pg", "executemany"),
    "floor_pg_copy": ("benchmarks.pg", "copy_floor"),
    "dry_run_pg": ("benchmarks.pg", "dry_run"),
    "floor_table": ("benchmarks.gui_phases", "table_floor"),
    "window": ("benchmarks.gui_phases", "window"),
}
GROUPS = {
    "plan": ["floor_sqlite_join", "floor_sqlite_shell", "floor_dict_join", "plan_db"],
    "exchange": ["floor_parse_xml", "plan_xml", "floor_parse_json", "plan_json"],
    "cli": ["preview_text", "preview_json"],
    "write": [
        "floor_dry_run",
        "dry_run",
        "floor_commit",
        "commit",
        "floor_write_xml",
        "export_xml",
    ],
    "gui": ["floor_table", "window"],
    "pg": ["floor_pg_join", "plan_pg", "floor_pg_executemany", "floor_pg_copy", "dry_run_pg"],
}
GROUPS["core"] = GROUPS["plan"] + GROUPS["exchange"] + GROUPS["cli"] + GROUPS["write"]
GROUPS["all"] = GROUPS["core"] + GROUPS["gui"]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.child:
        return _child(args.child, Path(args.pair_dir), args.size, Path(args.out))
    names = _selected(args.phases)
    if args.pg:
        names += [n for n in GROUPS["pg"] if n not in names]
    elif any(n in GROUPS["pg"] for n in names):
        raise SystemExit("the pg phases need --pg URL")
    if not shutil.which("sqlite3") and "floor_sqlite_shell" in names:
        _say(
            "NOTE: the sqlite3 shell is not installed: the C join floor is skipped "
            "(apt-get install -y sqlite3)"
        )
        names.remove("floor_sqlite_shell")
    start = time.perf_counter()
    _say(f"generating (or reusing) the {args.size:,}-person pair in {args.cache} …")
    exchange = any(n in GROUPS["exchange"] for n in names)
    pair = ensure_pair(args.size, args.seed, args.cache, exchange=exchange)
    _say(f"  ready in {time.perf_counter() - start:.1f} s")
    _warm_cache(pair)
    if args.pg:
        from benchmarks.pg import load

        _say(f"copying the pair into {args.pg} (schemas bench_this, bench_other) …")
        load(pair, args.pg)
        os.environ["BENCH_PG_URL"] = args.pg
    results: dict[str, dict[str, Any]] = {}
    for name in names:
        _say(f"{name} …")
        results[name] = _run_child(name, pair, args.size, args.timeout)
        _say("  " + _brief(results[name]))
    document = {
        "truce_commit": _commit_id(),
        "cpus": os.cpu_count(),
        "load_average_at_end": os.getloadavg(),
        "size": args.size,
        "seed": args.seed,
        "generator_version": GENERATOR_VERSION,
        "persons_changed_share": 0.16,
        "results": results,
        "comparisons": verdicts(results),
    }
    if args.json is not None:
        text = json.dumps(document, indent=2, default=str)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n", "utf-8")
    if args.json != "-":
        print(render_table(document))
    return 0


def _warm_cache(pair: Pair) -> None:
    """Read the pair's files once, so the first phase (a floor) does not alone pay for
    reading them from disk: at 1M a cold cache doubled the in-SQLite join floor and
    flattered the plan's ratio."""
    for path in (pair.this, pair.other, pair.other_xml, pair.other_json):
        if path.exists():
            with path.open("rb") as file:
                while file.read(1 << 24):
                    pass


def _commit_id() -> str:
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True
    )
    # A checkout without .git (an exported snapshot) may say which commit it is.
    return done.stdout.strip() or os.environ.get("BENCH_COMMIT", "unknown")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000, help="persons in OTHER")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--phases",
        default="all",
        help=f"comma-separated phase names or groups ({', '.join(GROUPS)}); default all",
    )
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per phase")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where generated pairs live")
    parser.add_argument(
        "--json", nargs="?", const="-", help="write the results as JSON to FILE (or stdout)"
    )
    parser.add_argument(
        "--pg",
        metavar="URL",
        help="also run THIS on PostgreSQL (postgresql+psycopg://…): plan and dry run "
        "against the server-side join, executemany and COPY floors",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--pair-dir", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    return parser


def _selected(spec: str) -> list[str]:
    wanted: list[str] = []
    for item in (s.strip() for s in spec.split(",") if s.strip()):
        if item not in GROUPS and item not in PHASES:
            raise SystemExit(f"unknown phase or group {item!r}; groups: {', '.join(GROUPS)}")
        wanted += GROUPS.get(item, [item])
    return [name for name in PHASES if name in wanted]  # the floor-first order


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _brief(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"FAILED: {result['error']}"
    return f"{result['seconds']:.2f} s, peak {result['peak_mb']:.0f} MB"


def _run_child(name: str, pair: Pair, size: int, timeout: float) -> dict[str, Any]:
    out = pair.this.parent / f"result-{name}-{os.getpid()}.json"
    root = Path(__file__).resolve().parents[1]
    partial = out.with_suffix(".partial")
    env = {**os.environ, "PYTHONPATH": str(root), "QT_QPA_PLATFORM": "offscreen"}
    env["BENCH_PARTIAL"] = str(partial)
    command = [sys.executable, str(Path(__file__).resolve()), "--child", name]
    command += ["--pair-dir", str(pair.this.parent), "--size", str(size), "--out", str(out)]
    try:
        done = subprocess.run(
            command, env=env, cwd=root, timeout=timeout, capture_output=True, text=True
        )
    except subprocess.TimeoutExpired:
        return _failed(f"timed out after {timeout:.0f} s", partial)
    if done.returncode != 0 or not out.exists():
        lines = (done.stderr or done.stdout).strip().splitlines()
        return _failed(lines[-1] if lines else f"exit {done.returncode}", partial)
    partial.unlink(missing_ok=True)
    result = json.loads(out.read_text("utf-8"))
    out.unlink()
    return result


def _failed(error: str, partial: Path) -> dict[str, Any]:
    """A failed phase, with what the window measured before it stopped, if anything."""
    failed: dict[str, Any] = {"error": error}
    if partial.exists():
        failed["measures"] = json.loads(partial.read_text("utf-8"))
        failed["error"] += f" (during {failed['measures'].get('running')})"
        failed["peak_mb"] = None
        partial.unlink()
    return failed


def _child(name: str, folder: Path, size: int, out: Path) -> int:
    import importlib
    import resource

    pair = Pair(
        folder / "this.db", folder / "other.db", folder / "other.xml", folder / "other.json", size
    )
    module, function = PHASES[name]
    work = getattr(importlib.import_module(module), function)
    arguments: list[Any] = [_listed_rows(pair) if name == "floor_table" else pair]
    if module == "benchmarks.pg":
        arguments.append(os.environ["BENCH_PG_URL"])
    start = time.perf_counter()
    value = work(*arguments)
    seconds = time.perf_counter() - start
    result: dict[str, Any] = {"seconds": seconds}
    if isinstance(value, tuple):  # (rows, seconds of the timed part)
        result["rows"], result["seconds"] = value
    elif isinstance(value, dict):
        result["measures"] = value
        result["rows"] = value.get("rows")
    else:
        result["rows"] = value
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result["peak_mb"] = children if name == "floor_sqlite_shell" else own
    out.write_text(json.dumps(result, default=str), "utf-8")
    return 0


def _listed_rows(pair: Pair) -> int:
    """How many rows the window lists: every record of OTHER, changed or not, plus THIS's
    records OTHER lacks are not listed; so persons + addresses + locations of OTHER."""
    import sqlite3

    conn = sqlite3.connect(f"file:{pair.other}?mode=ro", uri=True)
    tables = ("pr_person", "pr_address", "gis_location")
    return sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables)


if __name__ == "__main__":
    sys.exit(main())
