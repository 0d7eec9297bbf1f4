"""Unexpected errors: a dialog with a short message and copyable details, and a log file."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from gui.userdata import data_dir

log = logging.getLogger("truce.gui")


def log_path() -> Path:
    return data_dir() / "truce-gui.log"


def setup_logging(path: Path | None = None) -> Path:
    path = path or log_path()
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return path


Reporter = Callable[[str, str], None]


def install_exception_hook(report: Reporter) -> Callable[..., None]:
    """Route uncaught exceptions (e.g. raised in a slot) to `report(message, details)`."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        details = "".join(traceback.format_exception(kind, value, tb))
        log.error("unexpected error\n%s", details)
        report(f"Unexpected error: {kind.__name__}: {value}", details)

    sys.excepthook = hook
    return previous
