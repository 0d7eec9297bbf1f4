"""The documentation stays true to the command line: every `truce` subcommand and option
is documented in README.md or docs/ (the parsers are read, so a new option without its
documentation fails here)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from core.cli import build_parser

REPO_ROOT = Path(__file__).resolve().parent.parent


def _docs() -> str:
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def _long_options(parser: argparse.ArgumentParser) -> list[str]:
    return sorted(
        option
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    )


def _window_parser() -> argparse.ArgumentParser:
    pytest.importorskip("PySide6")  # the window's parser lives in gui/, with Qt
    from gui.app import build_parser as window_parser

    return window_parser()


def _mentioned(docs: str, option: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", docs) is not None


def test_every_subcommand_is_documented() -> None:
    docs = _docs()
    commands = sorted(_subcommands(build_parser()))
    assert commands, "the CLI parser has no subcommands: is this test reading it right?"
    missing = [name for name in commands if f"truce {name}" not in docs]
    assert missing == []
    assert "truce gui" in docs


def test_every_option_is_documented() -> None:
    docs = _docs()
    parsers = {f"truce {name}": sub for name, sub in _subcommands(build_parser()).items()}
    parsers["truce gui"] = _window_parser()
    missing = [
        f"{command} {option}"
        for command, parser in sorted(parsers.items())
        for option in _long_options(parser)
        if not _mentioned(docs, option)
    ]
    assert missing == []


def test_the_check_sees_an_undocumented_option() -> None:
    parser = build_parser()
    sub = _subcommands(parser)["preview"]
    sub.add_argument("--frobnicate-the-widgets")
    assert "--frobnicate-the-widgets" in _long_options(sub)
    assert not _mentioned(_docs(), "--frobnicate-the-widgets")
