"""Faults inside the window: an exception in a slot while previewing or committing shows
the error dialog and a log line, leaves THIS exactly as it was, and the window goes on.

The faults are injected at stable entry points (core's Plan, the commit's SQL through a
SQLAlchemy event, the report text the commit flow shows), not into widget internals.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from test_gui_flow import CONFLICT, select_vector

from core.plan import Plan
from gui.app import report_unexpected_errors
from gui.errors import setup_logging
from gui.main_window import MainWindow
from gui.verdict_dialog import VerdictDialog

# pytest-qt would take the exceptions raised in slots for itself; here the application's
# own hook must see them, as it does in `truce gui`.
pytestmark = pytest.mark.qt_no_exception_capture


@pytest.fixture
def log_file(window: MainWindow, tmp_path: Path) -> Iterator[Path]:
    """The window reporting unexpected errors as `truce gui` does, logging to a file."""
    path = setup_logging(tmp_path / "truce-gui.log")
    previous = report_unexpected_errors(window, path)
    try:
        yield path
    finally:
        sys.excepthook = previous
        logger = logging.getLogger("truce.gui")
        for handler in list(logger.handlers):
            if isinstance(handler, logging.FileHandler) and handler.baseFilename == str(path):
                logger.removeHandler(handler)
                handler.close()


def dump(path: str) -> list[str]:
    """Every row of THIS, as SQL text (the journal tables included)."""
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def error_dialog(qtbot: Any, window: MainWindow, title: str) -> QMessageBox:
    def shown() -> bool:
        return any(
            box.windowTitle() == title and box.isVisible()
            for box in window.findChildren(QMessageBox, "error_dialog")
        )

    qtbot.waitUntil(shown, timeout=30_000)
    return next(
        box
        for box in window.findChildren(QMessageBox, "error_dialog")
        if box.windowTitle() == title and box.isVisible()
    )


def test_an_exception_in_a_slot_during_preview_is_shown_and_logged(
    qtbot: Any, window: MainWindow, pair_copy: Any, log_file: Path, monkeypatch: Any
) -> None:
    before = dump(pair_copy.this)
    select_vector(window, CONFLICT)

    real = Plan.set_field_resolution
    failing = [True]

    def broken(*args: Any, **kwargs: Any) -> Any:
        if failing[0]:
            raise RuntimeError("injected preview fault")
        return real(*args, **kwargs)

    monkeypatch.setattr(Plan, "set_field_resolution", broken)
    window.fields.select_field("last_name")
    qtbot.keyClick(window.fields.view, Qt.Key.Key_O)  # "take OTHER": a slot calls the plan

    box = error_dialog(qtbot, window, "Unexpected error")
    assert "RuntimeError" in box.text() and "injected preview fault" in box.text()
    assert str(log_file) in box.text()
    assert "injected preview fault" in box.detailedText()
    logged = log_file.read_text(encoding="utf-8")
    assert "ERROR truce.gui: unexpected error" in logged
    assert "RuntimeError" in logged and "injected preview fault" in logged
    box.close()
    failing[0] = False  # (monkeypatch.undo() would also undo the conftest's answers)
    assert dump(pair_copy.this) == before
    # the window goes on: the same key now takes OTHER's value
    window.fields.select_field("last_name")
    qtbot.keyClick(window.fields.view, Qt.Key.Key_O)
    assert "last_name" in window.plan.get(*CONFLICT).override_fields


def _confirm_dialog(qtbot: Any, window: MainWindow) -> VerdictDialog:
    qtbot.waitUntil(
        lambda: (
            isinstance(window.commits.dialog, VerdictDialog) and window.commits.dialog.isVisible()
        ),
        timeout=30_000,
    )
    dialog = window.commits.dialog
    assert isinstance(dialog, VerdictDialog)
    return dialog


def _take_other(qtbot: Any, window: MainWindow) -> None:
    select_vector(window, CONFLICT)
    for name in ("last_name", "comments"):
        window.fields.select_field(name)
        qtbot.keyClick(window.fields.view, Qt.Key.Key_O)
    assert set(window.plan.get(*CONFLICT).override_fields) == {"last_name", "comments"}


def test_a_fault_in_the_middle_of_a_commit_is_shown_logged_and_writes_nothing(
    qtbot: Any, window: MainWindow, pair_copy: Any, log_file: Path
) -> None:
    before = dump(pair_copy.this)
    _take_other(qtbot, window)
    window.actions_.commit.trigger()
    dialog = _confirm_dialog(qtbot, window)  # the dry run is done; now the real commit
    engine = window.session.loaded.pair.this.engine
    writes: list[str] = []

    def fail_on_second_write(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)
            if len(writes) == 2:
                raise RuntimeError("injected commit fault")

    sa.event.listen(engine, "before_cursor_execute", fail_on_second_write)
    try:
        dialog.accept()
        box = error_dialog(qtbot, window, "Commit failed")
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail_on_second_write)
    assert len(writes) == 2  # one write went through before the fault
    assert "injected commit fault" in box.text()
    qtbot.waitUntil(lambda: not window.commits.runner.running, timeout=30_000)
    logged = log_file.read_text(encoding="utf-8")
    assert "ERROR truce.gui: commit failed: injected commit fault" in logged
    assert dump(pair_copy.this) == before
    box.close()


def test_an_exception_in_a_commit_slot_is_shown_logged_and_writes_nothing(
    qtbot: Any, window: MainWindow, pair_copy: Any, log_file: Path, monkeypatch: Any
) -> None:
    before = dump(pair_copy.this)
    _take_other(qtbot, window)

    def broken(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("injected slot fault")

    # the slot that receives the dry run's verdict (before asking to commit) fails
    monkeypatch.setattr("gui.commit_flow.counts_phrase", broken)
    window.actions_.commit.trigger()
    box = error_dialog(qtbot, window, "Unexpected error")
    assert "RuntimeError" in box.text() and "injected slot fault" in box.text()
    qtbot.waitUntil(lambda: not window.commits.runner.running, timeout=30_000)
    logged = log_file.read_text(encoding="utf-8")
    assert "ERROR truce.gui: unexpected error" in logged
    assert "RuntimeError: injected slot fault" in logged
    assert dump(pair_copy.this) == before
    box.close()
