"""The window and Eden (docs/eden.md): Eden's sync feeds as one OTHER, and Sync ▸ Allow
deletions with the skipped-deletions hint."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

from core.policy import skipped_deletions
from core.vocabulary import Action, Method
from gui.app import build_parser, sources_from
from gui.autosave import pair_key
from gui.dialogs import OpenSourceDialog
from gui.main_window import MainWindow
from gui.other_files import split_others
from gui.session import Sources
from tests.core.builders import create_eden_database

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "eden" / "eden-exports"
SYNC = [str(p) for p in sorted(FEEDS.glob("02-mutated-sync-*-msince.xml"))]


def _eden_db(tmp_path: Path) -> str:
    this = tmp_path / "eden.db"
    engine = sa.create_engine(f"sqlite:///{this}")
    try:
        create_eden_database(engine, {})
    finally:
        engine.dispose()
    return str(this)


def test_the_sync_feeds_open_as_one_other(make_window, tmp_path: Path):
    assert len(SYNC) == 4
    args = build_parser().parse_args([_eden_db(tmp_path), *SYNC])
    window = make_window(sources_from(args))
    plan = window.plan
    assert window.session.sources.others == tuple(SYNC)
    assert {v.resource for v in plan.vectors} >= {"pr_person", "pr_contact", "gis_location"}
    assert not [v for v in plan.vectors if v.action is Action.ERROR]
    assert window.vectors.model.rowCount() > 0
    assert "+ 3 more" in window.windowTitle()
    assert window.autosave.path.name == f"{pair_key(args.this, list(reversed(SYNC)))}.json"


def test_a_single_other_file_stays_a_path(make_window, tmp_path: Path):
    window = make_window(sources_from(build_parser().parse_args([_eden_db(tmp_path), SYNC[0]])))
    sources = window.session.sources
    assert sources.other == SYNC[0] and sources.others == (SYNC[0],)
    assert Path(SYNC[0]).name in window.windowTitle()
    assert window.autosave.path.name == f"{pair_key(sources.this, SYNC[0])}.json"


def test_open_other_takes_several_files_and_remembers_them(qtbot, make_window, tmp_path: Path):
    window = make_window(Sources(_eden_db(tmp_path), SYNC[0]))
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.replace_source("OTHER", "; ".join(SYNC[-2:]))
    assert window.session.sources.others == tuple(SYNC[-2:])
    assert {"pr_person", "pr_contact"} <= {v.resource for v in window.plan.vectors}
    assert window.recent("OTHER")[0] == "; ".join(SYNC[-2:])
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.reload()
    assert window.session.sources.others == tuple(SYNC[-2:])


def _drop(window: MainWindow, paths: list[str]) -> None:
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(p) for p in paths])
    event = QDropEvent(
        QPointF(QPoint(5, 5)),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def test_dropped_feeds_become_one_other(qtbot, make_window, tmp_path: Path):
    this = _eden_db(tmp_path)
    window = make_window(Sources(this, SYNC[0]))
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        _drop(window, SYNC)
    assert window.session.sources.this == this
    assert window.session.sources.others == tuple(SYNC)
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        _drop(window, [this, *SYNC[:3]])
    assert window.session.sources.others == tuple(SYNC[:3])


def _deletes(window: MainWindow) -> list[tuple[str, str]]:
    return [
        (v.resource, v.uuid)
        for v in window.plan.vectors
        if v.method is Method.DELETE and v.action is Action.DELETE
    ]


def test_allow_deletions_turns_a_skipped_deletion_into_a_delete(window: MainWindow):
    toggle = window.deletions.action
    skipped = skipped_deletions(window.plan.vectors)
    assert skipped > 0 and _deletes(window) == [] and not toggle.isChecked()
    assert window.deletions.hint.isVisibleTo(window)
    assert window.deletions.hint.text() == f"{skipped} deletion(s) skipped"

    toggle.trigger()
    assert toggle.isChecked() and window.session.sources.allow_deletions
    assert len(_deletes(window)) == skipped
    assert skipped_deletions(window.plan.vectors) == 0
    assert not window.deletions.hint.isVisibleTo(window)

    window.undo()
    assert not toggle.isChecked() and not window.session.sources.allow_deletions
    assert _deletes(window) == [] and skipped_deletions(window.plan.vectors) == skipped
    assert window.deletions.hint.isVisibleTo(window)

    window.redo()
    assert toggle.isChecked() and len(_deletes(window)) == skipped


def test_allow_deletions_holds_across_a_policy_change_and_a_reload(qtbot, window: MainWindow):
    window.deletions.action.trigger()
    deletes = len(_deletes(window))
    window.apply_policy("replace")
    assert window.plan.policy_name.endswith("+ delete") and len(_deletes(window)) == deletes
    with qtbot.waitSignal(window.loads.finished, timeout=30_000):
        window.reload(keep=False)
    assert window.deletions.action.isChecked() and len(_deletes(window)) == deletes


def test_the_open_other_dialog_takes_several_files(qtbot, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: (SYNC[:2], ""))
    dialog = OpenSourceDialog("OTHER", "", "auto", [])
    qtbot.addWidget(dialog)
    dialog._browse_file()
    location, _mapping = dialog.chosen()
    assert split_others(location) == tuple(SYNC[:2])
    assert split_others(SYNC[0]) == (SYNC[0],)
