"""The `truce` entry point: the window for `truce` / `truce gui …`, else the core CLI.

It lives in gui/ because the dependency points this way: gui imports core, and core
(whose `python -m core` is the headless CLI) never names the GUI. Qt is imported only
when the window is wanted, so headless commands start fast on a server.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from core.cli import main as cli_main


def wants_window(argv: Sequence[str]) -> bool:
    return not argv or argv[0] == "gui" or argv[0] == "--preview-only"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not wants_window(args):
        return cli_main(args)
    from gui.app import main as window_main

    return window_main(args[1:] if args[0:1] == ["gui"] else args)
