"""The operator's whole path on a copy of the sample pair, by keyboard and mouse."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QMessageBox

from core.commit import commit_plan
from core.session import open_pair
from core.unresolved import undecided_fields
from core.verdict import counts_phrase
from core.vocabulary import Action, Resolution
from gui.field_model import RESOLUTION
from gui.main_window import MainWindow
from gui.vector_model import Filter, filter_counts
from gui.verdict_dialog import VerdictDialog

CONFLICT = ("pr_person", "urn:uuid:0c004d1e-ebef-4390-af74-2d156f141369")


def select_vector(window: MainWindow, identity: tuple[str, str]):
    entry = window.vectors.model.entry_of(identity)
    assert window.vectors.select_entry(entry)
    vector = window.fields.model.vector
    assert vector is not None and vector.identity == identity
    return vector


def field_row(window: MainWindow, name: str) -> int:
    model = window.fields.model
    return next(r for r in range(model.rowCount()) if model.name(r) == name)


def press(qtbot, window: MainWindow, name: str, key: Qt.Key) -> None:
    window.fields.select_field(name)
    qtbot.keyClick(window.fields.view, key)


def choose_by_combo(qtbot, window: MainWindow, name: str, resolution: Resolution) -> None:
    view = window.fields.view
    index = window.fields.model.index(field_row(window, name), RESOLUTION)
    view.setCurrentIndex(index)
    view.edit(index)
    combo = view.findChild(QComboBox, "resolution_editor")
    assert combo is not None
    position = combo.findText(resolution.value)
    combo.setCurrentIndex(position)
    combo.activated.emit(position)


def this_values(path: str, uuid: str) -> tuple:
    with sqlite3.connect(path) as conn:
        return conn.execute(
            "SELECT last_name, date_of_birth, comments FROM pr_person WHERE uuid = ?", (uuid,)
        ).fetchone()


def test_full_flow(qtbot, window: MainWindow, pair_copy):
    plan = window.plan
    assert window.vectors.tab_counts() == filter_counts(plan)
    counts = plan.counts()
    tabs = window.vectors.tab_counts()
    assert tabs[Filter.CONFLICTS] == counts["conflicts"]
    assert tabs[Filter.CREATES] == counts["create"]
    assert tabs[Filter.UNCHANGED] == counts["unchanged"]
    assert tabs[Filter.ERRORS] == counts["error"]
    for which in Filter:
        window.vectors.select_filter(which)
        assert len(window.vectors.model.visible_entries()) == tabs[which]
    window.vectors.select_filter(Filter.CONFLICTS)

    vector = select_vector(window, CONFLICT)
    assert vector.conflicts and vector.action is Action.UNCHANGED
    before = this_values(pair_copy.this, CONFLICT[1])
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    assert vector.override_fields == {"last_name": Resolution.OTHER}
    assert vector.action is Action.UPDATE
    choose_by_combo(qtbot, window, "comments", Resolution.OTHER)
    assert vector.override_fields == {"last_name": Resolution.OTHER, "comments": Resolution.OTHER}
    assert window.undo_stack.count() == 2 and window.isWindowModified()

    window.actions_.undo.trigger()
    assert vector.override_fields == {"last_name": Resolution.OTHER}
    window.actions_.undo.trigger()
    assert vector.override_fields == {} and vector.action is Action.UNCHANGED
    window.actions_.redo.trigger()
    window.actions_.redo.trigger()
    assert vector.override_fields == {"last_name": Resolution.OTHER, "comments": Resolution.OTHER}

    with qtbot.waitSignal(window.commits.dry_run_done, timeout=30_000) as dry:
        window.actions_.dry_run.trigger()
    core_dry = commit_plan(plan, window.session.loaded.pair.this, dry_run=True)
    verdict = dry.args[0]
    assert verdict.counts == dict(core_dry.counts)
    assert verdict.headline == f"The commit will succeed: {counts_phrase(verdict.counts)}."
    assert window.commits.dialog.headline.text().count(verdict.headline) == 1
    written = [r for r in verdict.rows if r.outcome in ("create", "update", "delete")]
    assert {(r.outcome, r.reason): r.count for r in written} == {
        (action, resource): n
        for resource, counts in core_dry.per_resource.items()
        for action, n in counts.items()
    }
    # the verdict against the plan's own counts, not against the same computation
    counts = plan.counts()
    assert verdict.counts == {"create": counts["create"], "update": counts["update"]}
    assert ("create", "pr_person") in {(r.outcome, r.reason) for r in written}
    by_row = {(r.outcome, r.reason): r.count for r in written}
    assert (by_row[("create", "pr_person")], by_row[("update", "pr_person")]) == (22, 1)
    window.commits.dialog.close()
    assert this_values(pair_copy.this, CONFLICT[1]) == before

    window.actions_.commit.trigger()
    qtbot.waitUntil(
        lambda: (
            isinstance(window.commits.dialog, VerdictDialog) and window.commits.dialog.isVisible()
        ),
        timeout=30_000,
    )
    assert pair_copy.this in window.commits.dialog.findChild(QLabel, "verdict_target").text()
    assert counts_phrase(window.commits.last_verdict.counts) in (
        window.commits.dialog.headline.text()
    )
    with (
        qtbot.waitSignal(window.commits.committed, timeout=30_000),
        qtbot.waitSignal(window.loads.finished, timeout=30_000),
    ):
        window.commits.dialog.accept()

    other = open_pair(pair_copy.this, pair_copy.other).other
    last_name, dob, comments = this_values(pair_copy.this, CONFLICT[1])
    assert (last_name, comments) == (
        vector.other_values["last_name"],
        vector.other_values["comments"],
    )
    assert dob == before[1]
    recomputed = window.plan
    assert recomputed is not plan
    again = recomputed.get(*CONFLICT)
    assert again is None or not {"last_name", "comments"} & set(again.differing)
    assert recomputed.counts()["create"] == 0
    assert not window.isWindowModified()
    del other


def test_bulk_override_changes_the_announced_number_and_undoes_in_one_step(
    qtbot, window: MainWindow, monkeypatch
):
    asked: list[str] = []

    def answer(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", answer)
    plan = window.plan
    announced = window.bulk_resolution("pr_person", "comments", Resolution.OTHER)
    assert f"changes {announced} vector(s)" in asked[0]
    changed = [v for v in plan.vectors if v.override_fields.get("comments")]
    assert len(changed) == announced == len(plan.vectors_for_field("pr_person", "comments"))
    assert window.undo_stack.count() == 1
    assert window.vectors.tab_counts() == filter_counts(plan)
    window.undo_stack.undo()
    assert not any(v.has_overrides for v in plan.vectors)
    assert window.vectors.tab_counts() == filter_counts(plan)


def test_preview_only_cannot_commit(qtbot, make_window, pair_copy):
    window = make_window(pair_copy, preview_only=True)
    assert not window.actions_.commit.isEnabled()
    assert "Preview only" in window.banner.text() and "preview only" in window.windowTitle()
    vector = select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    with qtbot.waitSignal(window.commits.refused) as refused:
        assert window.commits.commit() is False
    assert "commit is unavailable" in refused.args[0]
    assert not window.commits.runner.running
    assert this_values(pair_copy.this, CONFLICT[1])[0] != vector.other_values["last_name"]
    window.commits.dialog.close()


def _dump(path: str) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def test_stale_commit_is_refused_and_nothing_is_written(qtbot, window: MainWindow, pair_copy):
    vector = select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    with sqlite3.connect(pair_copy.this) as conn:
        conn.execute(
            "UPDATE pr_person SET comments = 'changed meanwhile' WHERE uuid = ?", (vector.uuid,)
        )
    before = _dump(pair_copy.this)
    with qtbot.waitSignal(window.commits.refused, timeout=30_000) as refused:
        window.actions_.commit.trigger()
    assert "The commit will fail: THIS has changed since it was loaded" in refused.args[0]
    assert vector.uuid in refused.args[0]
    assert window.commits.dialog.verdict.rows[0].vectors == (vector.identity,)
    assert _dump(pair_copy.this) == before
    window.commits.dialog.close()


def test_next_and_previous_conflict_keys(qtbot, window: MainWindow):
    window.vectors.select_filter(Filter.ALL)
    window.vectors.step_conflict(+1)
    first = window.fields.model.vector
    assert first is not None and first.conflicts
    window.vectors.step_conflict(+1)
    second = window.fields.model.vector
    assert second is not first and second.conflicts
    window.vectors.step_conflict(-1)
    assert window.fields.model.vector is first


def test_policy_change_keeps_overrides_and_undoes(qtbot, window: MainWindow):
    vector = select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    window.apply_policy("replace-newer")
    assert window.plan.policy_name == "replace-newer"
    assert vector.override_fields == {"last_name": Resolution.OTHER}
    assert vector.resolution is Resolution.NEWER
    assert window.vectors.tab_counts()[Filter.UPDATES] == window.plan.counts()["update"] > 1
    window.undo_stack.undo()
    assert vector.resolution is None and window.plan.policy_name == "fallback"
    assert vector.override_fields == {"last_name": Resolution.OTHER}


def test_field_grid_marks_references_ties_and_winners(qtbot, window: MainWindow):
    vector = select_vector(window, CONFLICT)
    model = window.fields.model
    row = field_row(window, "organisation_id")
    text = model.index(row, 1).data()
    assert "(urn:uuid:" in text and not text.startswith("urn:uuid:")
    tie = select_vector(window, ("pr_person", "urn:uuid:a4364b1b-8f6e-431c-b8e5-31bbd202242c"))
    window.set_default(Resolution.NEWER)
    rows = [field_row(window, n) for n in tie.differing]
    assert any("tie" in model.index(r, RESOLUTION).data() for r in rows)
    assert "tie, THIS kept" in window.fields.times.text()
    del vector


def test_loading_twice_drops_the_first_result(qtbot, make_window, pair_copy):
    window = make_window(pair_copy)
    first = window.plan
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.open_sources(pair_copy)
        window.open_sources(pair_copy)
    assert window.plan is not first
    assert not window.loads.running


def test_a_bad_source_is_reported_not_raised(qtbot, make_window, pair_copy, tmp_path: Path):
    window = make_window(pair_copy)
    with qtbot.waitSignal(window.loads.failed, timeout=30_000) as failed:
        window.open_sources(type(pair_copy)(pair_copy.this, str(tmp_path / "missing.db")))
    assert "missing.db" in str(failed.args[0])
    qtbot.waitUntil(lambda: window.findChild(QMessageBox, "error_dialog") is not None)
    dialog = window.findChild(QMessageBox, "error_dialog")
    assert dialog.windowTitle() == "Cannot open"
    assert "missing.db" in dialog.text()


def test_closing_with_unsaved_overrides_asks(qtbot, window: MainWindow, monkeypatch):

    asked: list[str] = []

    def keep(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", keep)
    select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    assert window.isWindowModified()
    assert not window.close()
    assert asked and "Discard" in asked[0]
    window.undo_stack.undo()
    assert not window.isWindowModified()


def test_decisions_save_and_load_as_one_undo_step(qtbot, window: MainWindow, tmp_path):
    vector = select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    path = str(tmp_path / "decisions.json")
    assert window.actions_.decisions.save_as(path)
    assert not window.isWindowModified()
    window.undo_stack.undo()
    assert vector.override_fields == {}
    report = window.actions_.decisions.load_from(path)
    assert report is not None and report.applied == 1
    assert vector.override_fields == {"last_name": Resolution.OTHER}
    assert vector.action is Action.UPDATE
    window.undo_stack.undo()
    assert vector.override_fields == {} and vector.action is Action.UNCHANGED
    (tmp_path / "bad.json").write_text("{nope")
    assert window.actions_.decisions.load_from(str(tmp_path / "bad.json")) is None
    window.commits.dialog = None


def test_blocked_reference_is_red_with_its_reason_and_keeping_this_unblocks(
    qtbot, make_window, pair_copy
):
    from dataclasses import replace

    from gui.field_model import RESULT

    window = make_window(replace(pair_copy, policy="replace"))
    blocked = ("pr_person", "urn:uuid:a58107db-d8e3-43cd-926b-ee27bff3dfc5")
    vector = select_vector(window, blocked)
    assert vector.action is Action.SKIP and "blocked reference" in vector.reason
    model = window.fields.model
    index = model.index(field_row(window, "location_id"), RESULT)
    assert index.data(Qt.ItemDataRole.ForegroundRole) == window.theme.blocked
    assert "not created" in index.data(Qt.ItemDataRole.ToolTipRole)
    assert "blocked" in window.fields.status.text()
    press(qtbot, window, "location_id", Qt.Key.Key_T)
    assert not vector.blocked and vector.action is not Action.SKIP
    assert (
        model.index(field_row(window, "location_id"), RESULT).data(Qt.ItemDataRole.ForegroundRole)
        is None
    )


def test_auto_advance_moves_to_the_next_unresolved_field(qtbot, window: MainWindow):
    assert window.auto_advance  # on by default
    vector = select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    current = window.fields.view.currentIndex()
    assert window.fields.model.name(current.row()) == "date_of_birth"
    press(qtbot, window, "comments", Qt.Key.Key_O)
    current = window.fields.view.currentIndex()
    assert window.fields.model.name(current.row()) == "date_of_birth"  # still undecided
    qtbot.keyClick(window.fields.view, Qt.Key.Key_O)
    assert window.fields.model.vector is not vector
    assert undecided_fields(window.fields.model.vector)


def test_no_undo_while_a_commit_is_writing(qtbot, window: MainWindow):
    vector = select_vector(window, CONFLICT)
    press(qtbot, window, "last_name", Qt.Key.Key_O)
    with qtbot.waitSignal(window.commits.dry_run_done, timeout=30_000):
        window.commits.dry_run()
        assert window.commits.runner.running and not window.splitter.isEnabled()
        window.actions_.undo.trigger()
        assert vector.override_fields == {"last_name": Resolution.OTHER}
    window.commits.dialog.close()
    window.actions_.undo.trigger()
    assert vector.override_fields == {}
