"""PySide6's emit() leak of True must not abort a long session (gui/refcounts.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_MANY_EMITS = """
import sys
emits = sys.getrefcount(True) + 10_000  # more emits than True has references
import gui  # the guard runs on import
from PySide6.QtCore import QCoreApplication, QObject, Signal

class Ticker(QObject):
    ticked = Signal(int)

app = QCoreApplication([])
ticker = Ticker()
for n in range(emits):
    ticker.ticked.emit(n)
print("survived")
"""


def test_a_session_survives_more_emits_than_true_has_references():
    done = subprocess.run(
        [sys.executable, "-c", _MANY_EMITS],
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "survived" in done.stdout
