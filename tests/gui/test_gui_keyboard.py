"""The merge-tool loop with the keyboard only, from a cold start to a commit."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from core.unresolved import undecided_fields, unresolved_conflicts
from core.vocabulary import Resolution
from gui.main_window import MainWindow
from gui.session import Session, Sources
from gui.theme import Theme
from tests.gui.test_gui_flow import CONFLICT, select_vector


def cold_window(qtbot, sources: Sources, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "cold.ini"), QSettings.Format.IniFormat)
    window = MainWindow(Session(), Theme.build(dark=False), settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.open_sources(sources)
    return window


def key(qtbot, which: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key press where the keyboard focus is, as a person would type it."""
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the keyboard focus"
    qtbot.keyClick(widget, which, modifier)


def current_field(window: MainWindow) -> tuple[tuple[str, str], str]:
    index = window.fields.view.currentIndex()
    return window.fields.model.vector.identity, window.fields.model.name(index.row())


def column_value(path: str, resource: str, uuid: str, name: str) -> object:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"SELECT {name} FROM {resource} WHERE uuid = ?", (uuid,)).fetchone()[0]


def test_keyboard_only_from_a_cold_start_commits_the_chosen_values(
    qtbot, pair_copy: Sources, tmp_path
):
    window = cold_window(qtbot, pair_copy, tmp_path)
    assert QApplication.focusWidget() is window.fields.view  # focus starts on the grid
    total = window.plan.counts()["conflicts"]
    left = len(unresolved_conflicts(window.plan))
    assert window.unresolved.text() == f"Unresolved {left} of {total}" and left >= 3
    chosen: dict[tuple[tuple[str, str], str], Resolution] = {}
    for step, resolution in ((Qt.Key.Key_O, Resolution.OTHER), (Qt.Key.Key_T, Resolution.THIS)):
        key(qtbot, Qt.Key.Key_F8)
        where = current_field(window)
        vector = window.plan.get(*where[0])
        assert where[1] == undecided_fields(vector)[0]  # the first unresolved field
        key(qtbot, step)
        chosen[where] = resolution
        assert window.plan.get(*where[0]).override_fields[where[1]] is resolution
    assert window.unresolved.text() != f"Unresolved {left} of {total}"
    expected = {}
    for (identity, name), resolution in chosen.items():
        vector = window.plan.get(*identity)
        side = vector.other_values if resolution is Resolution.OTHER else vector.this_values
        expected[(identity, name)] = side[name]
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)  # Commit…
    qtbot.waitUntil(lambda: window.commits.dialog is not None, timeout=30_000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.commits.dialog.commit_button)
    with qtbot.waitSignal(window.commits.committed, timeout=30_000):
        key(qtbot, Qt.Key.Key_Return)  # Commit has the focus
    for ((resource, uuid), name), value in expected.items():
        stored = column_value(pair_copy.this, resource, uuid, name)
        assert str(stored) == str(value) or stored == value


def test_o_in_the_search_box_decides_and_leaves_the_text(qtbot, pair_copy: Sources, tmp_path):
    window = cold_window(qtbot, pair_copy, tmp_path)
    vector = select_vector(window, CONFLICT)
    window.fields.select_field("last_name")
    search = window.vectors.search
    search.setFocus()
    qtbot.keyClicks(search, "ab")
    key(qtbot, Qt.Key.Key_O)
    assert search.text() == "ab"
    assert vector.override_fields == {"last_name": Resolution.OTHER}
    key(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.ShiftModifier)  # Shift types the letter
    assert search.text().lower() == "abo"
    key(qtbot, Qt.Key.Key_Escape)  # Esc leaves the search box for the grid
    assert QApplication.focusWidget() is window.fields.view


def test_t_in_the_vector_list_decides_instead_of_type_ahead(qtbot, pair_copy, tmp_path):
    window = cold_window(qtbot, pair_copy, tmp_path)
    vector = select_vector(window, CONFLICT)
    window.fields.select_field("last_name")
    window.vectors.view.setFocus()
    key(qtbot, Qt.Key.Key_O)
    assert window.fields.model.vector is not None
    assert vector.override_fields == {"last_name": Resolution.OTHER}


def test_only_differing_fields_is_remembered(qtbot, pair_copy: Sources, tmp_path):
    window = cold_window(qtbot, pair_copy, tmp_path)
    select_vector(window, CONFLICT)
    window.keys.set_only_differing(True)
    model, view = window.fields.model, window.fields.view
    hidden = [r for r in range(model.rowCount()) if view.isRowHidden(r)]
    assert hidden and all(not model.outcome(r).differs for r in hidden)
    again = cold_window(qtbot, pair_copy, tmp_path)
    assert again.keys.only_differing


def test_the_unresolved_counter_follows_every_kind_of_change(qtbot, window: MainWindow):
    def matches_core() -> bool:
        expected = len(unresolved_conflicts(window.plan))
        total = sum(1 for v in window.plan.vectors if v.conflicts)
        return window.unresolved.text() == f"Unresolved {expected} of {total}"

    window.auto_advance = False
    vector = select_vector(window, CONFLICT)
    for name in undecided_fields(vector):
        window.fields.select_field(name)
        qtbot.keyClick(window.fields.view, Qt.Key.Key_O)
        assert matches_core()
    qtbot.keyClick(window.fields.view, Qt.Key.Key_T)  # merges with the last edit
    assert matches_core()
    window.undo_stack.undo()
    assert matches_core()
    window.bulk_resolution("pr_person", "comments", Resolution.OTHER, confirm=False)
    assert matches_core()
    window.apply_policy("replace-newer")
    assert matches_core()
    while window.undo_stack.canUndo():
        window.undo_stack.undo()
        assert matches_core()
    window.undo_stack.redo()
    assert matches_core()
