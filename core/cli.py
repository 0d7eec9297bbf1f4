"""The `truce` command: a thin shell over the core (SPEC §10).

Exit codes: 0 ok, 1 internal fault, 2 bad input or usage, 3 commit refused.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from core.commit import CommitError, StaleError, commit_plan
from core.mapping import MappingError
from core.plan import Plan
from core.planjson import write_plan
from core.policy import PRESETS, PolicyError
from core.session import Pair, load_policy, open_pair
from core.sources.errors import SourceError
from core.summary import describe_commit, describe_plan

OK, FAULT, BAD_INPUT, REFUSED = 0, 1, 2, 3
BAD_INPUT_ERRORS = (SourceError, MappingError, PolicyError, ValueError, OSError)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="truce", description="Resolve conflicts between two synchronized datasets.")
    commands = parser.add_subparsers(dest="command")

    def pair_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("this", help="THIS database: SQLite path or SQLAlchemy URL")
        sub.add_argument("other", help="OTHER: database, .xml, .json or CSV folder")
        sub.add_argument("--policy", help=f"preset ({', '.join(PRESETS)}) or policy file")
        sub.add_argument("--mapping", help="schema mapping: conventions, eden or a TOML file")
        return sub

    preview = pair_command("preview", "show what a commit would do")
    preview.add_argument("--json", action="store_true", help="print the truce-plan/1 document")
    commit = pair_command("commit", "apply the plan to THIS")
    commit.add_argument("--dry-run", action="store_true", help="roll back instead of commit")
    commit.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    gui = commands.add_parser("gui", help="open the resolver window")
    gui.add_argument("this", nargs="?")
    gui.add_argument("other", nargs="?")
    gui.add_argument("--preview-only", action="store_true")
    gui.add_argument("--policy")
    gui.add_argument("--mapping")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if not args_list or args_list[0] == "gui" or args_list[0].startswith("--preview-only"):
        return _gui(args_list)
    parser = build_parser()
    args = parser.parse_args(args_list)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "preview": _preview, "commit": _commit}
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


def _gui(argv: list[str]) -> int:
    from gui.app import main as gui_main  # Qt only when the window is wanted

    return gui_main(argv[1:] if argv and argv[0] == "gui" else argv)


def _plan(args: argparse.Namespace) -> tuple[Plan, Pair]:
    pair = open_pair(args.this, args.other, args.mapping)
    return pair.plan(load_policy(args.policy)), pair


def _preview(args: argparse.Namespace) -> int:
    plan, _ = _plan(args)
    if args.json:
        write_plan(plan, sys.stdout, indent=None)
    else:
        sys.stdout.write(describe_plan(plan))
    return OK


def _commit(args: argparse.Namespace) -> int:
    plan, pair = _plan(args)
    sys.stdout.write(describe_plan(plan))
    if not plan.writes:
        print("Nothing to write.")
        return OK
    if not args.dry_run and not args.yes and not _confirmed(sys.stdin, sys.stdout):
        print("Not committed.")
        return OK
    try:
        report = commit_plan(plan, pair.this, dry_run=args.dry_run)
    except (StaleError, CommitError) as exc:
        _error(str(exc))
        return REFUSED
    sys.stdout.write(describe_commit(report))
    return OK if report.ok else REFUSED


def _confirmed(stdin: TextIO, stdout: TextIO) -> bool:
    """Ask only on a terminal: a pipe or a script never waits for an answer."""
    if not stdin.isatty():
        return True
    stdout.write("Commit these changes to THIS? [y/N] ")
    stdout.flush()
    return stdin.readline().strip().lower() in ("y", "yes")


def _error(message: str) -> None:
    print(f"truce: {message}", file=sys.stderr)

