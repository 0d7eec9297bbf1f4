"""Sync ▸ History: commit, then revert from the window; THIS is as it was."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from PySide6.QtWidgets import QMessageBox

from gui.history import HistoryDialog
from gui.main_window import MainWindow
from gui.times import local_text, utc_text


def user_rows(path: str) -> list[str]:
    """THIS's data, without the journal Truce keeps in it and without `modified_on`
    (a revert stamps it with its own time)."""
    with sqlite3.connect(path) as conn:
        names = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'truce_journal%' ORDER BY name"
        ).fetchall()
        rows: list[str] = []
        for (name,) in names:
            cursor = conn.execute(f'SELECT * FROM "{name}"')
            keep = [n for n, d in enumerate(cursor.description) if d[0] != "modified_on"]
            rows += sorted(f"{name}: {tuple(r[n] for n in keep)!r}" for r in cursor)
        return rows


def commit(qtbot, window: MainWindow) -> None:
    window.actions_.commit.trigger()
    qtbot.waitUntil(lambda: window.commits.dialog is not None, timeout=30_000)
    with (
        qtbot.waitSignal(window.commits.committed, timeout=30_000),
        qtbot.waitSignal(window.loads.finished, timeout=30_000),
    ):
        window.commits.dialog.accept()


def open_history(qtbot, window: MainWindow) -> HistoryDialog:
    history = window.show_history()
    assert history is not None
    qtbot.waitUntil(lambda: bool(history.entries), timeout=30_000)
    return history


def test_commit_then_revert_from_the_window_restores_this(
    qtbot, make_window, pair_copy, monkeypatch
):
    window = make_window(replace(pair_copy, policy="update"))  # updates only: revertible
    before = user_rows(pair_copy.this)
    assert window.plan.counts()["update"] > 0
    commit(qtbot, window)
    assert user_rows(pair_copy.this) != before
    history = open_history(qtbot, window)
    assert len(history.entries) == 1 and history.table.rowCount() == 1
    entry = history.entries[0]
    shown = history.table.item(0, 1)
    assert shown.text() == local_text(entry.committed_at)
    assert shown.toolTip() == utc_text(entry.committed_at)
    asked: list[str] = []

    def yes(parent, title, text, buttons, default):  # type: ignore[no-untyped-def]
        asked.append(title)
        assert default == QMessageBox.StandardButton.Cancel
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", yes)
    history.select(entry.id)
    with (
        qtbot.waitSignal(history.reverted, timeout=30_000),
        qtbot.waitSignal(window.loads.finished, timeout=30_000),
    ):
        assert history.revert()
    assert asked == ["Revert a commit"]
    assert user_rows(pair_copy.this) == before
    qtbot.waitUntil(lambda: history.table.rowCount() == 2, timeout=30_000)


def test_times_are_local_with_utc_in_the_tooltip():
    moment = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    plus_two = timezone(timedelta(hours=2), "EET")
    assert local_text(moment, plus_two) == "2026-12-02 09:30:00 EET"
    assert local_text("2026-12-02T07:30:00+00:00", plus_two) == "2026-12-02 09:30:00 EET"
    assert utc_text("2026-12-02T09:30:00+02:00") == "2026-12-02 07:30:00 UTC"


def test_the_field_panel_shows_modified_times_locally(window: MainWindow):
    from tests.gui.test_gui_flow import CONFLICT, select_vector

    vector = select_vector(window, CONFLICT)
    assert local_text(vector.this_modified) in window.fields.times.text()
    assert utc_text(vector.this_modified) in window.fields.times.toolTip()
