"""The verdict dialog: rows jump to their vector, Copy and Export give the same verdict."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from gui.main_window import MainWindow


def dry_run(qtbot, window: MainWindow):
    with qtbot.waitSignal(window.commits.dry_run_done, timeout=30_000) as done:
        window.actions_.dry_run.trigger()
    return done.args[0], window.commits.dialog


def test_a_row_jumps_to_its_vector(qtbot, window: MainWindow):
    verdict, dialog = dry_run(qtbot, window)
    row = next(n for n, r in enumerate(verdict.rows) if r.outcome == "error")
    dialog.table.cellActivated.emit(row, 2)
    assert window.fields.model.vector.identity == verdict.rows[row].vectors[0]


def test_copy_and_export(qtbot, window: MainWindow, tmp_path: Path):
    verdict, dialog = dry_run(qtbot, window)
    dialog.copy()
    copied = QGuiApplication.clipboard().text()
    assert copied.splitlines()[0] == verdict.headline
    assert all(r.reason in copied for r in verdict.rows)
    path = tmp_path / "plan.json"
    assert dialog.export(str(path))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["format"].startswith("truce-plan/")
