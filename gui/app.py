"""`truce` / `truce gui THIS OTHER`: the resolver window's entry point."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from core.policy import PRESETS
from gui.dialogs import show_error
from gui.errors import install_exception_hook, setup_logging
from gui.main_window import MainWindow
from gui.session import AUTO, Session, Sources, sample_sources
from gui.theme import apply_theme


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="truce gui",
        description="Open the Truce resolver window. Without sources, "
        "the bundled sample pair is opened.",
    )
    parser.add_argument("this", nargs="?", help="THIS database: SQLite path or SQLAlchemy URL")
    parser.add_argument("other", nargs="?", help="OTHER: database, .xml, .json or CSV folder")
    parser.add_argument(
        "--preview-only", action="store_true", help="read-only session: commit is unavailable"
    )
    parser.add_argument(
        "--policy", default="fallback", help=f"preset ({', '.join(PRESETS)}) or policy file"
    )
    parser.add_argument(
        "--mapping",
        default=AUTO,
        help="schema mapping: auto (eden when THIS looks like an Eden database, else "
        "conventions), conventions, eden or a TOML file",
    )
    return parser


def sources_from(args: argparse.Namespace) -> Sources:
    if args.this and args.other:
        return Sources(args.this, args.other, args.mapping, args.policy)
    sample = sample_sources()
    return Sources(sample.this, sample.other, args.mapping, args.policy)


def create_window(args: argparse.Namespace) -> MainWindow:
    """The window for parsed arguments, with the load already started (needs a QApplication)."""
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme = apply_theme(app)
    window = MainWindow(Session(preview_only=args.preview_only), theme)
    window.open_sources(sources_from(args))
    return window


def report_unexpected_errors(window: MainWindow, log: Path) -> Callable[..., None]:
    """An exception raised in a slot shows an error dialog on `window` and is logged to
    `log`; returns the hook it replaced."""
    return install_exception_hook(
        lambda message, details: show_error(
            window,
            "Unexpected error",
            f"{message}\n\nDetails are logged to {log}.",
            details,
            advice="Your decisions are autosaved; nothing was written by this error.",
        )
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    if bool(args.this) != bool(args.other):
        build_parser().error("give both THIS and OTHER, or neither for the sample pair")
    QCoreApplication.setOrganizationName("Truce")
    QCoreApplication.setApplicationName("Truce")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    log = setup_logging()
    window = create_window(args)
    report_unexpected_errors(window, log)
    window.show()
    return app.exec()  # type: ignore[union-attr]


if __name__ == "__main__":
    sys.exit(main())
