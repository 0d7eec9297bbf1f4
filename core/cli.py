"""The `truce` command: a thin shell over the core (docs/semantics.md, Interfaces).

Exit codes: 0 ok, 1 internal fault, 2 bad input or usage, 3 commit refused.
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from core.commit import CommitError, StaleError, commit_plan
from core.console import (
    ConsoleProgress,
    describe_decisions,
    describe_journal,
    describe_revert,
    printable,
)
from core.creation import find_user
from core.decisions import apply_decisions
from core.export import parse_msince
from core.hooks import DEFAULT_TIMEOUT
from core.mapping import MappingError, load_mapping
from core.msince import ChangedSince
from core.plan import Plan
from core.planjson import write_plan
from core.policy import PRESETS, PolicyError, allow_deletions
from core.reports import report_format, write_report
from core.revert import RevertRefused, journal_entries, revert_commit
from core.session import Pair, load_policy, open_pair, open_this
from core.sources.errors import SourceError
from core.summary import describe_commit, describe_plan
from core.timestamps import format_timestamp
from core.unresolved import unresolved_conflicts

OK, FAULT, BAD_INPUT, REFUSED = 0, 1, 2, 3
CONFLICTS = 1  # --fail-on-conflict: a human should look
BAD_INPUT_ERRORS = (SourceError, MappingError, PolicyError, ValueError, OSError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="truce",
        description="Resolve conflicts between two synchronized datasets.",
        epilog="`truce` alone opens the window on the sample data; "
        "`truce gui THIS OTHER [--preview-only]` opens it on yours.",
    )
    commands = parser.add_subparsers(dest="command")

    def pair_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("this", help="THIS database: SQLite path or SQLAlchemy URL")
        sub.add_argument(
            "other",
            nargs="+",
            help="OTHER: a database, or .xml/.json files and CSV folders (several are read "
            "as one dataset, e.g. Eden's per-resource sync feeds)",
        )
        sub.add_argument("--policy", help=f"preset ({', '.join(PRESETS)}) or policy file")
        sub.add_argument("--mapping", help="schema mapping: conventions, eden or a TOML file")
        sub.add_argument(
            "--allow-delete",
            action="store_true",
            help="add delete to the strategy of the policy in force (deletions are off otherwise)",
        )
        sub.add_argument(
            "--msince",
            metavar="T",
            help="only OTHER's records changed since this ISO 8601 time enter the plan "
            "(with the export's rules: masters of changed components, references)",
        )
        sub.add_argument(
            "--hook-timeout",
            type=_seconds,
            metavar="SECONDS",
            help=f"time a Python policy's hook may take per vector (default {DEFAULT_TIMEOUT:g})",
        )
        sub.add_argument(
            "--decisions",
            metavar="FILE",
            help="apply a truce-decisions/1 file (stale decisions are skipped)",
        )
        sub.add_argument(
            "--fail-on-conflict",
            action="store_true",
            help=(
                "exit 1 (and commit nothing) when a conflicting field's winner was chosen by "
                "no policy and no decision: the fallback THIS, or a NEWER tie"
            ),
        )
        sub.add_argument(
            "-q", "--quiet", action="store_true", help="print only errors (and --json output)"
        )
        return sub

    preview = pair_command("preview", "show what a commit would do")
    preview.add_argument("--json", action="store_true", help="print the truce-plan/1 document")
    preview.add_argument(
        "--report", metavar="FILE", help="write a report: FILE.html, FILE.csv or FILE.json"
    )
    commit = pair_command("commit", "apply the plan to THIS")
    commit.add_argument("--dry-run", action="store_true", help="roll back instead of commit")
    commit.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    commit.add_argument(
        "--as-user",
        metavar="EMAIL|ID",
        help="the auth_user created records are written by (created_by, modified_by, "
        "owned_by_user), as Eden's importer does",
    )
    journal = commands.add_parser("journal", help="list the commits journaled in THIS")
    journal.add_argument("this", help="THIS database: SQLite path or SQLAlchemy URL")
    journal.add_argument("--mapping", help="schema mapping: conventions, eden or a TOML file")
    revert = commands.add_parser("revert", help="undo a journaled commit")
    revert.add_argument("this", help="THIS database: SQLite path or SQLAlchemy URL")
    revert.add_argument("id", type=int, help="journal id (see `truce journal`)")
    revert.add_argument("--mapping", help="schema mapping: conventions, eden or a TOML file")
    revert.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    revert.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    export = commands.add_parser(
        "export", help="write an S3XML/S3JSON/CSV export (docs/semantics.md, Exports)"
    )
    export.add_argument("source", help="database: SQLite path or SQLAlchemy URL")
    export.add_argument("--msince", help="only what changed since this ISO 8601 time")
    export.add_argument("--format", default="s3xml", choices=("s3xml", "s3json", "csv"))
    export.add_argument("--mapping", help="schema mapping: conventions, eden or a TOML file")
    export.add_argument("-o", "--output", required=True, help="file (or folder, for csv)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The headless commands; `gui.launcher` sends everything else to the window."""
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.command is None:
        parser.print_help(sys.stderr)
        return BAD_INPUT
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "preview": _preview,
        "commit": _commit,
        "journal": _journal,
        "revert": _revert,
        "export": _export,
    }
    try:
        return handlers[args.command](args)
    except BAD_INPUT_ERRORS as exc:
        _error(str(exc))
        return BAD_INPUT
    except BrokenPipeError:  # `truce preview … | head`: the reader left, not an error
        sys.stderr.close()
        return OK
    except KeyboardInterrupt:
        _error("interrupted")
        return FAULT
    except Exception as exc:  # last resort: a fault of ours, said plainly, not a traceback
        _error(f"internal error: {type(exc).__name__}: {exc}")
        return FAULT


def _plan(args: argparse.Namespace) -> tuple[Plan, Pair]:
    pair = open_pair(args.this, args.other, args.mapping)
    if args.msince:
        pair.other = ChangedSince(pair.other, parse_msince(args.msince))
    progress = _progress(args)
    policy = load_policy(args.policy, args.hook_timeout)
    if args.allow_delete:
        policy = allow_deletions(policy)
    plan = pair.plan(policy, progress)
    progress.finish()
    if args.decisions:
        report = apply_decisions(plan, args.decisions)
        if not args.quiet:
            _write(sys.stderr, describe_decisions(args.decisions, report))
    return plan, pair


def _progress(args: argparse.Namespace) -> ConsoleProgress:
    return ConsoleProgress(sys.stderr, enabled=False if args.quiet else None)


def _unresolved(args: argparse.Namespace, plan: Plan) -> bool:
    """--fail-on-conflict: True (after saying so) when a conflict awaits a human."""
    if not args.fail_on_conflict:
        return False
    vectors = unresolved_conflicts(plan)
    if vectors:
        _error(
            f"{len(vectors)} vector(s) with unresolved conflicts (fallback THIS or a "
            "NEWER tie), e.g. " + "; ".join(f"{v.resource} {v.uuid}" for v in vectors[:5])
        )
    return bool(vectors)


def _preview(args: argparse.Namespace) -> int:
    if args.report:
        report_format(args.report)  # an unknown format fails before the long work
    plan, _ = _plan(args)
    if args.report:
        write_report(plan, args.report)
    if args.json:
        # JSON is UTF-8 (RFC 8259) whatever the locale says the terminal takes.
        if isinstance(sys.stdout, io.TextIOWrapper):
            sys.stdout.reconfigure(encoding="utf-8")
        write_plan(plan, sys.stdout, indent=None)
    elif not args.quiet:
        _write(sys.stdout, describe_plan(plan))
    return CONFLICTS if _unresolved(args, plan) else OK


def _commit(args: argparse.Namespace) -> int:
    plan, pair = _plan(args)
    if not args.quiet:
        _write(sys.stdout, describe_plan(plan))
    if _unresolved(args, plan):
        _error("not committed")
        return CONFLICTS
    if not plan.writes:
        if not args.quiet:
            print("Nothing to write.")
        return OK
    user = _acting_user(pair, args.as_user)
    if pair.mapping.commit_warning and not args.quiet:
        _warn(pair.mapping.commit_warning)
    if not args.dry_run and not args.yes and not _confirmed(sys.stdin, sys.stdout):
        print("Not committed.")
        return OK
    progress = _progress(args)
    try:
        report = commit_plan(plan, pair.this, dry_run=args.dry_run, progress=progress, as_user=user)
    except (StaleError, CommitError) as exc:
        progress.finish()
        _error(str(exc))
        return REFUSED
    progress.finish()
    if not args.quiet:
        _write(sys.stdout, describe_commit(report))
    return OK if report.ok else REFUSED


def _acting_user(pair: Pair, spec: str | None) -> int | None:
    """--as-user: the auth_user id, looked up before anything is written."""
    if spec is None:
        return None
    with pair.this.engine.connect() as conn:
        return find_user(conn, spec)


def _journal(args: argparse.Namespace) -> int:
    this = open_this(args.this, load_mapping(args.mapping))
    _write(sys.stdout, describe_journal(journal_entries(this)))
    return OK


def _revert(args: argparse.Namespace) -> int:
    this = open_this(args.this, load_mapping(args.mapping))
    if not args.yes and not _confirmed(
        sys.stdin, sys.stdout, f"Revert commit {args.id} in THIS? [y/N] "
    ):
        print("Not reverted.")
        return OK
    try:
        report = revert_commit(this, args.id)
    except RevertRefused as exc:
        _error(str(exc))
        return REFUSED
    if not args.quiet:
        _write(sys.stdout, describe_revert(report))
    return OK


def _export(args: argparse.Namespace) -> int:
    from core.export import export
    from core.mapping import load_mapping
    from core.sources.sql import SqlDataset

    dataset = SqlDataset(args.source, load_mapping(args.mapping), readonly=True)
    result = export(dataset, args.output, args.format, args.msince)
    muntil = format_timestamp(result.muntil) or "-"
    _write(sys.stdout, f"Exported {result.count} record(s) to {args.output}; muntil {muntil}\n")
    return OK


def _confirmed(
    stdin: TextIO, stdout: TextIO, question: str = "Commit these changes to THIS? [y/N] "
) -> bool:
    """Ask only on a terminal: a pipe or a script never waits for an answer."""
    if not stdin.isatty():
        return True
    stdout.write(question)
    stdout.flush()
    return stdin.readline().strip().lower() in ("y", "yes")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 86400:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    return value


def _write(stream: TextIO, text: str) -> None:
    """Everything printed for a person goes through `printable`: OTHER's text may hold
    terminal controls (ESC, BEL…) that must not reach the terminal."""
    stream.write(printable(text))


def _error(message: str) -> None:
    _write(sys.stderr, f"truce: {message}\n")


def _warn(message: str) -> None:
    _write(sys.stderr, f"truce: warning: {message}\n")
