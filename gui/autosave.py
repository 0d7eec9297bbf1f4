"""Autosaved decisions: a crash or a kill never costs more than the last second of work.

After each change the window's decisions are written, debounced, to
`<data dir>/autosave/<key>.json`, one file per THIS/OTHER pair, as a `truce-decisions/1`
document (without the record digests, which re-applying does not need). The write is
atomic (a temporary file in the same folder, then `os.replace`), so a kill mid-write
leaves the previous file. The file is removed when nothing is left to lose: no
overrides, a commit, or an explicit Discard.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from core.decisions import DecisionsError, decisions_document, read_decisions
from core.plan import Plan
from gui.userdata import data_dir

DELAY_MS = 800  # quiet time after the last change before writing


def pair_key(this: str, other: str) -> str:
    """A file name for one pair: the same pair, however typed, gives the same key."""
    names = [_canonical(spec) for spec in (this, other)]
    return hashlib.sha256("\0".join(names).encode("utf-8")).hexdigest()[:24]


def _canonical(spec: str) -> str:
    return spec if "://" in spec else str(Path(spec).resolve())


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new, never half."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Autosave(QObject):
    """Debounced autosave of one window's decisions; `plan()` gives the current plan."""

    written = Signal(str)  # the file written or removed

    def __init__(self, plan: Callable[[], Plan | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plan = plan
        self.path: Path | None = None
        # Set after construction: PySide6 6.12 mis-counts references to True when
        # singleShot=True is passed as a keyword (the interpreter aborts at exit).
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DELAY_MS)
        self._timer.timeout.connect(self.write)

    def track(self, this: str, other: str) -> None:
        """From now on, save for this pair (a pending save for the old pair is written)."""
        self.flush()
        folder = data_dir() / "autosave"
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{pair_key(this, other)}.json"

    def schedule(self) -> None:
        if self.path is not None:
            self._timer.start()

    def flush(self) -> None:
        """Write now if a save is pending."""
        if self._timer.isActive():
            self._timer.stop()
            self.write()

    def write(self) -> None:
        plan, path = self._plan(), self.path
        if plan is None or path is None:
            return
        if not plan.has_overrides:
            self.discard()
            return
        text = json.dumps(decisions_document(plan, fingerprints=False), ensure_ascii=False)
        try:
            write_atomically(path, text + "\n")
        except OSError:
            return  # a full disk must not stop the operator's work; the next change retries
        self.written.emit(str(path))

    def saved(self) -> dict[str, Any] | None:
        """The autosaved document of this pair, if it holds any decision."""
        if self.path is None or not self.path.is_file():
            return None
        try:
            document = read_decisions(self.path)
        except (DecisionsError, OSError):
            return None
        return document if document["decisions"] else None

    def discard(self) -> None:
        self._timer.stop()
        if self.path is not None and self.path.exists():
            self.path.unlink(missing_ok=True)
            self.written.emit(str(self.path))
