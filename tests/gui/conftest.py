"""Fixtures for the resolver window: a copy of the sample pair and a loaded window."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from gui.main_window import MainWindow
from gui.session import Session, Sources
from gui.theme import Theme
from gui.userdata import DATA_DIR_VARIABLE

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
HERE = Path(__file__).resolve().parent

# The offscreen platform plugin says this whenever a top-level window gets size hints;
# it describes the test platform, not the application, so it alone is tolerated.
OFFSCREEN_NOTICE = "This plugin does not support propagateSizeHints"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOTICE))


KNOWN_QUESTIONS = {
    "Unsaved decisions": QMessageBox.StandardButton.Discard,
    "Restore decisions": QMessageBox.StandardButton.Yes,
}


@pytest.fixture(autouse=True)
def no_modal_questions(monkeypatch: pytest.MonkeyPatch) -> None:
    """A modal question would hang an offscreen test: answer it, and only the known ones."""

    def answer(parent, title, text, *args):  # type: ignore[no-untyped-def]
        assert title in KNOWN_QUESTIONS, f"unexpected question: {title}: {text}"
        return KNOWN_QUESTIONS[title]

    monkeypatch.setattr(QMessageBox, "question", answer)


@pytest.fixture(autouse=True)
def data_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Autosaves and sample copies go to the test's own folder, never the user's."""
    folder = tmp_path / "user-data"
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(folder))
    return folder


@pytest.fixture
def pair_copy(tmp_path: Path) -> Sources:
    """The sample pair copied to tmp_path, so a commit never touches the bundled files."""
    for name in ("local.db", "incoming.db"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    return Sources(str(tmp_path / "local.db"), str(tmp_path / "incoming.db"))


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Callable[..., MainWindow]:
    """A window that has finished loading `sources`."""

    def make(sources: Sources, preview_only: bool = False) -> MainWindow:
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(Session(preview_only=preview_only), Theme.build(dark=False), settings)
        qtbot.addWidget(window)
        with qtbot.waitSignal(window.loads.finished, timeout=30_000):
            window.open_sources(sources)
        return window

    return make


@pytest.fixture
def window(make_window, pair_copy: Sources) -> MainWindow:
    return make_window(pair_copy)
