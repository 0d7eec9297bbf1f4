"""A value of the person's own: typed in the Result cell (F2), checked by THIS's column,
undoable, committed; the compare view (Enter) picks a side or opens the editor."""

from __future__ import annotations

import sqlite3

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QPushButton
from test_gui_flow import CONFLICT, field_row, select_vector

from core.commit import commit_plan
from core.sources.sql import SqlDataset
from core.vocabulary import Resolution, Side
from gui.compare_view import marked_positions
from gui.field_model import RESOLUTION, RESULT
from gui.main_window import MainWindow


def type_value(qtbot, window: MainWindow, name: str, text: str) -> None:
    window.fields.select_field(name)
    qtbot.keyClick(window.fields.view, Qt.Key.Key_F2)
    editor = window.fields.view.findChild(QLineEdit, "value_editor")
    assert editor is not None
    assert window.fields.view.state() == QAbstractItemView.State.EditingState
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits the editor's data on a queued call after the key press.
    qtbot.waitUntil(lambda: window.fields.view.state() != QAbstractItemView.State.EditingState)


def test_bad_value_is_refused_with_a_message(qtbot, window: MainWindow) -> None:
    vector = select_vector(window, CONFLICT)
    steps = window.undo_stack.count()
    type_value(qtbot, window, "gender", "female")
    assert vector.edited is None
    assert window.undo_stack.count() == steps
    assert "pr_person.gender (integer): not an integer" in window.fields.status.text()
    assert "Not a valid value" in window.statusBar().currentMessage()


def test_good_value_is_shown_undone_redone_and_committed(
    qtbot, window: MainWindow, pair_copy
) -> None:
    vector = select_vector(window, CONFLICT)
    type_value(qtbot, window, "last_name", "Perera")
    assert vector.edited == {"last_name": "Perera"}
    row = field_row(window, "last_name")
    model = window.fields.model
    assert model.index(row, RESULT).data() == "✎ Perera"
    assert model.index(row, RESOLUTION).data().startswith("edited")
    window.undo_stack.undo()
    assert vector.edited is None and model.outcome(row).winner is not Side.EDITED
    window.undo_stack.redo()
    assert vector.edited == {"last_name": "Perera"}

    this = SqlDataset(pair_copy.this)
    try:
        commit_plan(window.plan, this)
    finally:
        this.close()
    with sqlite3.connect(pair_copy.this) as conn:
        stored = conn.execute(
            "SELECT last_name FROM pr_person WHERE uuid = ?", (CONFLICT[1],)
        ).fetchone()
    assert stored == ("Perera",)


def test_choosing_a_side_again_drops_the_typed_value_in_one_step(qtbot, window) -> None:
    vector = select_vector(window, CONFLICT)
    type_value(qtbot, window, "last_name", "Perera")
    steps = window.undo_stack.count()
    window.set_resolution(["last_name"], Resolution.OTHER)
    assert vector.edited is None and vector.override_fields["last_name"] is Resolution.OTHER
    assert window.undo_stack.count() == steps + 1
    window.undo_stack.undo()
    assert vector.edited == {"last_name": "Perera"}


def test_enter_opens_the_compare_view_and_its_choice_applies(qtbot, window: MainWindow) -> None:
    vector = select_vector(window, CONFLICT)
    window.fields.select_field("last_name")
    qtbot.keyClick(window.fields.view, Qt.Key.Key_Return)
    view = window.fields.compare
    assert view is not None and view.isVisible()
    this_text = view.this_view.toPlainText()
    assert this_text == vector.this_values["last_name"]
    assert marked_positions(view.this_view)  # the two names differ: something is marked
    button = view.findChild(QPushButton, "compare_other")
    assert button is not None
    button.click()
    assert vector.override_fields.get("last_name") is Resolution.OTHER
    assert window.fields.compare is None
