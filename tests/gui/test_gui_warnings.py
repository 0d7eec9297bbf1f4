"""Warnings where they matter: nothing matched, Eden detected, THIS not writable, samples."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from core.session import SAMPLES
from gui.app import build_parser, create_window
from gui.main_window import MainWindow
from gui.session import Sources
from tests.core.builders import create_eden_database

EDEN_EXPORT = (
    Path(__file__).resolve().parents[1]
    / "fixtures/eden/eden-exports/01-seeded-org_organisation.xml"
)


def test_a_pair_that_matches_nothing_says_so_and_why(make_window, pair_copy, tmp_path: Path):
    other = tmp_path / "unrelated.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE inventory_item (id INTEGER PRIMARY KEY, uuid TEXT, name TEXT)")
        conn.execute("INSERT INTO inventory_item VALUES (1, 'urn:uuid:1', 'boots')")
    window = make_window(Sources(pair_copy.this, str(other)))
    assert window.banner.isVisibleTo(window)
    text = window.banner.text()
    assert "Nothing matched" in text and "inventory_item" in text and "pr_person" in text
    assert window.banner.details.count() == len(window.plan.warnings) > 0


def test_an_eden_database_opens_with_the_eden_mapping_untold(make_window, tmp_path: Path):
    this = tmp_path / "eden.db"
    engine = sa.create_engine(f"sqlite:///{this}")
    try:
        create_eden_database(engine, {})
    finally:
        engine.dispose()
    window = make_window(Sources(str(this), str(EDEN_EXPORT)))  # mapping: auto
    loaded = window.session.loaded
    assert loaded.mapping == "eden" and loaded.detected
    assert window.mapping.text().startswith("Mapping: eden")
    assert "Eden mapping in use" in window.banner.text()


def test_conventions_stay_for_a_database_that_is_not_eden(window: MainWindow):
    assert window.session.loaded.mapping == "conventions"
    assert not window.session.loaded.detected


@pytest.fixture
def locked_this(pair_copy: Sources) -> Iterator[Sources]:
    holder = sqlite3.connect(pair_copy.this, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield pair_copy
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_this_is_probed_for_writability_on_open(make_window, locked_this: Sources):
    window = make_window(locked_this)
    assert "THIS is locked by another program" in window.banner.text()


def test_dry_run_on_a_read_only_this_says_the_commit_will_fail(qtbot, make_window, pair_copy):
    # Tests run as root, whom file permissions do not stop: SQLite's read-only open is the
    # robust way to get the read-only THIS an immutable file or a read-only mount gives.
    window = make_window(
        Sources(f"sqlite:///file:{pair_copy.this}?mode=ro&uri=true", pair_copy.other)
    )
    with qtbot.waitSignal(window.commits.dry_run_done, timeout=30_000) as done:
        window.actions_.dry_run.trigger()
    assert done.args[0].headline.startswith("The commit will fail: THIS is read-only")
    assert "THIS is read-only" in window.commits.dialog.headline.text()


def test_dry_run_on_a_locked_this_says_the_commit_will_fail(
    qtbot, make_window, locked_this: Sources
):
    window = make_window(locked_this)
    with qtbot.waitSignal(window.commits.dry_run_done, timeout=30_000) as done:
        window.actions_.dry_run.trigger()
    assert done.args[0].headline.startswith("The commit will fail: THIS is locked")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_sample_mode_commit_leaves_the_installed_samples_untouched(qtbot, data_dir: Path):
    before = _digests(SAMPLES)
    window = create_window(build_parser().parse_args(["--policy", "replace"]))
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.plan is not None, timeout=30_000)
    sources = window.session.sources
    assert sources.is_sample and Path(sources.this).is_relative_to(data_dir)
    assert "copy of the bundled sample" in window.banner.text()
    window.actions_.commit.trigger()
    qtbot.waitUntil(lambda: window.commits.dialog is not None, timeout=30_000)
    with qtbot.waitSignal(window.commits.committed, timeout=30_000) as committed:
        window.commits.dialog.accept()
    assert committed.args[0].counts["create"] > 0
    assert _digests(SAMPLES) == before
