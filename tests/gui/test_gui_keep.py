"""Work cannot be lost: reload keeps decisions and undo; prompts default to Cancel;
decisions autosave and come back after the process is killed."""

from __future__ import annotations

import json
import os
import selectors
import sqlite3
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from core.vocabulary import Resolution
from gui.main_window import MainWindow
from gui.session import Sources
from tests.gui.test_gui_flow import CONFLICT, press, select_vector

ROOT = Path(__file__).resolve().parents[2]
OTHER_CONFLICT = ("pr_person", "urn:uuid:a4364b1b-8f6e-431c-b8e5-31bbd202242c")


def overrides(window: MainWindow) -> dict[str, list]:
    """Every override of the window's plan, in plain values (comparable across processes)."""
    return {
        f"{v.resource} {v.uuid}": [
            None if v.override_strategy is None else [m.value for m in v.override_strategy],
            v.override_default and v.override_default.value,
            {k: r.value for k, r in sorted(v.override_fields.items())},
        ]
        for v in window.plan.vectors
        if v.has_overrides
    }


def reload(qtbot, window: MainWindow) -> None:
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.actions_.window.reload()


def test_reload_keeps_decisions_and_undo(qtbot, window: MainWindow):
    select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    select_vector(window, OTHER_CONFLICT)
    window.set_default(Resolution.OTHER)
    before, old_plan = overrides(window), window.plan
    reload(qtbot, window)
    assert window.plan is not old_plan
    assert overrides(window) == before
    assert window.isWindowModified()
    window.undo_stack.undo()  # the default resolution, re-bound to the fresh plan
    assert window.plan.get(*OTHER_CONFLICT).override_default is None
    window.undo_stack.undo()
    assert overrides(window) == {}
    window.undo_stack.redo()
    assert window.plan.get(*CONFLICT).override_fields == {"last_name": Resolution.OTHER}
    assert old_plan.get(*CONFLICT).override_fields == {"last_name": Resolution.OTHER}


def test_refused_commit_then_reload_keeps_what_still_applies(
    qtbot, window: MainWindow, pair_copy: Sources
):
    select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    select_vector(window, OTHER_CONFLICT)
    window.set_default(Resolution.OTHER)
    with sqlite3.connect(pair_copy.this) as conn:
        conn.execute(
            "UPDATE pr_person SET comments = 'changed meanwhile' WHERE uuid = ?", (CONFLICT[1],)
        )
    with qtbot.waitSignal(window.commits.refused, timeout=30_000):
        window.actions_.commit.trigger()
    dialog = window.commits.dialog
    button = next(
        b for b in dialog.findChildren(QPushButton) if b.text() == "Reload, keeping my decisions"
    )
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        button.click()  # the refused commit's own way out
    # The changed record's decision no longer applies and is reported; the other is kept.
    assert window.plan.get(*CONFLICT).override_fields == {}
    assert window.plan.get(*OTHER_CONFLICT).override_default is Resolution.OTHER
    window.undo_stack.undo()
    assert window.plan.get(*OTHER_CONFLICT).override_default is None


def test_the_unsaved_prompt_offers_save_and_defaults_to_cancel(
    qtbot, window: MainWindow, monkeypatch, tmp_path: Path
):
    asked: list[tuple] = []

    def save(parent, title, text, buttons, default):  # type: ignore[no-untyped-def]
        asked.append((buttons, default))
        return QMessageBox.StandardButton.Save

    monkeypatch.setattr(QMessageBox, "question", save)
    saved = tmp_path / "kept.json"
    monkeypatch.setattr(
        "PySide6.QtWidgets.QFileDialog.getSaveFileName", lambda *a: (str(saved), "")
    )
    select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    assert window.close()
    buttons, default = asked[0]
    for button in ("Save", "Discard", "Cancel"):
        assert buttons & getattr(QMessageBox.StandardButton, button)
    assert default == QMessageBox.StandardButton.Cancel
    assert json.loads(saved.read_text())["decisions"][0]["override_fields"] == {
        "last_name": "other"
    }


_CHILD = """
import json, sys
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from core.vocabulary import Method, Resolution
from gui.main_window import MainWindow
from gui.session import Session, Sources
from gui.theme import Theme
from tests.gui.test_gui_keep import CONFLICT, OTHER_CONFLICT, overrides

app = QApplication([])
settings = QSettings(sys.argv[3], QSettings.Format.IniFormat)
window = MainWindow(Session(), Theme.build(dark=False), settings)

def decide(_loaded):
    window.vectors.select_entry(window.vectors.model.entry_of(CONFLICT))
    window.set_resolution(["last_name", "comments"], Resolution.OTHER)
    window.vectors.select_entry(window.vectors.model.entry_of(OTHER_CONFLICT))
    window.set_default(Resolution.NEWER)
    window.set_strategy((Method.UPDATE,))

def written(_path):
    print(json.dumps(overrides(window)), flush=True)

window.loads.finished.connect(decide)
window.autosave.written.connect(written)
window.open_sources(Sources(sys.argv[1], sys.argv[2]))
app.exec()
"""


def _first_line(process: subprocess.Popen, limit: float = 60.0) -> str:
    """The child's first line; a bounded wait, so a broken child fails instead of hanging."""
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout=limit), "the child wrote no autosave in time"
    return process.stdout.readline()


def test_killed_session_offers_its_decisions_back_exactly(
    qtbot, make_window, pair_copy: Sources, data_dir: Path, tmp_path: Path, monkeypatch
):
    env = dict(os.environ, PYTHONPATH=str(ROOT), QT_QPA_PLATFORM="offscreen")
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, pair_copy.this, pair_copy.other, str(tmp_path / "c.ini")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        decided = json.loads(_first_line(child))
    finally:
        child.kill()  # SIGKILL: no close event, no cleanup
        child.wait()
        child.stdout.close()
    assert len(decided) == 2
    asked: list[str] = []

    def restore(parent, title, text, *args):  # type: ignore[no-untyped-def]
        asked.append(title)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", restore)
    window = make_window(pair_copy)
    assert asked == ["Restore decisions"]
    assert overrides(window) == decided
    window.undo_stack.undo()  # restoring is one undo step
    assert overrides(window) == {}
