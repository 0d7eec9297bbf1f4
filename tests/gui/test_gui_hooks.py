"""A Python policy that loops or exits neither freezes nor ends the window: the hook's time
limit stops it, its exit is an error, and the window shows why and goes on."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from test_gui_flow import CONFLICT, select_vector

import core.session
from gui.main_window import MainWindow
from gui.session import Sources

LOOP = "def sync_resolve(vector):\n    while True:\n        pass\n"
EXIT = "import sys\n\ndef sync_resolve(vector):\n    sys.exit(0)\n"
LIMIT = 0.5  # seconds per vector; the window's default is a few seconds


@pytest.fixture(autouse=True)
def short_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same limit as `truce gui`, only shorter, so the test is quick."""
    monkeypatch.setattr(
        core.session, "load_policy", functools.partial(core.session.load_policy, hook_timeout=LIMIT)
    )


def hook_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "policy.py"
    path.write_text(body, encoding="utf-8")
    return str(path)


def shown_error(window: MainWindow, title: str) -> QMessageBox:
    boxes = [
        box
        for box in window.findChildren(QMessageBox, "error_dialog")
        if box.windowTitle() == title
    ]
    assert boxes, f"no error dialog {title!r}"
    return boxes[-1]


@pytest.mark.parametrize(
    ("body", "said"), [(LOOP, "time limit"), (EXIT, "SystemExit")], ids=["loop", "exit"]
)
def test_applying_a_hostile_policy_returns_with_an_error(
    qtbot: Any, window: MainWindow, tmp_path: Path, body: str, said: str
) -> None:
    plan = window.plan
    before = plan.policy_name
    window.apply_policy(hook_file(tmp_path, body))  # returns: the window is not frozen
    box = shown_error(window, "Policy not applied")
    assert said in box.text() and "policy.py" in box.text()
    assert window.plan is plan and plan.policy_name == before
    box.close()
    # the window goes on working
    vector = select_vector(window, CONFLICT)
    assert vector.identity == CONFLICT


@pytest.mark.parametrize(
    ("body", "said"), [(LOOP, "time limit"), (EXIT, "SystemExit")], ids=["loop", "exit"]
)
def test_loading_with_a_hostile_policy_fails_and_the_window_stays(
    qtbot: Any, make_window: Any, pair_copy: Sources, tmp_path: Path, body: str, said: str
) -> None:
    window = make_window(pair_copy)
    hostile = Sources(pair_copy.this, pair_copy.other, None, hook_file(tmp_path, body))
    with qtbot.waitSignal(window.loads.failed, timeout=30_000) as failed:
        window.open_sources(hostile)
    assert said in str(failed.args[0])
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "error_dialog") is not None)
    assert not window.loads.running
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.open_sources(pair_copy)  # and it opens the next sources
