"""What the command line shows besides plans: progress on a terminal, journal, decisions."""

from __future__ import annotations

import re
import time
from typing import TextIO

from core.decisions import DecisionsReport
from core.journal import Entry
from core.progress import Progress
from core.revert import RevertReport

_INTERVAL = 0.1  # seconds between redraws
# C0 controls but newline and tab, DEL, C1 controls, and the bidi overrides that can make
# a terminal show text in an order other than the bytes'.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text safe for a terminal: each control character is shown as its escape (`\\x1b`),
    so text from OTHER cannot move the cursor, recolour, retitle or beep the terminal."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


class ConsoleProgress(Progress):
    """Shows `stage done/total` on `stream`; silent unless the stream is a terminal."""

    def __init__(self, stream: TextIO, *, enabled: bool | None = None) -> None:
        super().__init__()
        self.stream = stream
        self.enabled = stream.isatty() if enabled is None else enabled
        self._drawn = 0.0
        self._width = 0

    def changed(self) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn < _INTERVAL and self.done:
            return
        self._drawn = now
        total = f"/{self.total}" if self.total else ""
        line = f"{self.stage or 'working'}: {self.done}{total}"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def finish(self) -> None:
        """Clear the line, so what follows starts on a clean one."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


def describe_journal(entries: list[Entry]) -> str:
    """One line per journaled commit: id, time, sources, policy and counts."""
    if not entries:
        return "No commits in the journal.\n"
    lines = []
    for e in entries:
        counts = ", ".join(f"{n} {a}" for a, n in sorted(e.counts.items())) or "nothing"
        note = f"  ({e.note})" if e.note else ""
        lines.append(
            f"{e.id:>4}  {e.committed_at}  {e.other_source} → {e.this_source}  "
            f"policy {e.policy}: {counts}{note}"
        )
    return "\n".join(lines) + "\n"


def describe_decisions(path: str, report: DecisionsReport) -> str:
    lines = [
        f"{path}: {report.applied} decision(s) applied, {len(report.stale)} stale, "
        f"{len(report.missing)} no longer in the plan."
    ]
    lines += [f"  stale: {s}" for s in report.stale]
    lines += [f"  missing: {m}" for m in report.missing]
    return "\n".join(lines) + "\n"


def describe_revert(report: RevertReport) -> str:
    counts = ", ".join(f"{n} {a}" for a, n in sorted(report.counts.items())) or "nothing"
    return f"Reverted commit {report.reverted}: {counts}. Journal entry {report.journal_id}.\n"
