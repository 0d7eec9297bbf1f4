"""Usable at 1024×700: every filter reachable and the Action column in sight; the layout
(geometry, splitter, column widths) and the first-run hint's dismissal are remembered."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QPushButton

from gui.main_window import MainWindow
from gui.session import Session
from gui.theme import Theme
from gui.vector_model import ACTION_COLUMN, Filter


def _shown(qtbot, window: MainWindow, width: int, height: int) -> None:
    window.resize(width, height)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: window.vectors.view.viewport().width() > 0)


def test_every_filter_and_the_action_column_fit_at_1024x700(qtbot, window: MainWindow) -> None:
    _shown(qtbot, window, 1024, 700)
    panel = window.vectors
    tabs_fit = panel.tabs.isVisible() and panel.tabs.sizeHint().width() <= panel.width()
    selector = panel.compact_tabs
    assert tabs_fit or (selector.isVisible() and selector.count() == len(Filter))
    if not tabs_fit:  # the compact selector drives the same filter
        selector.activated.emit(list(Filter).index(Filter.CONFLICTS))
        assert panel.tabs.currentIndex() == list(Filter).index(Filter.CONFLICTS)
    header = panel.view.horizontalHeader()
    right = header.sectionViewportPosition(ACTION_COLUMN) + header.sectionSize(ACTION_COLUMN)
    assert header.sectionViewportPosition(ACTION_COLUMN) >= 0
    assert right <= panel.view.viewport().width()


def test_wide_window_shows_the_tabs(qtbot, window: MainWindow) -> None:
    _shown(qtbot, window, 1900, 900)
    assert window.vectors.tabs.isVisible() and not window.vectors.compact_tabs.isVisible()


def _window(qtbot, settings: QSettings) -> MainWindow:
    window = MainWindow(Session(preview_only=True), Theme.build(dark=False), settings)
    qtbot.addWidget(window)
    return window


def test_layout_is_remembered(qtbot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first = _window(qtbot, settings)
    _shown(qtbot, first, 1100, 720)
    first.splitter.setSizes([300, 780])
    first.vectors.view.horizontalHeader().resizeSection(1, 222)
    first.fields.view.horizontalHeader().resizeSection(0, 111)
    sizes = first.splitter.sizes()
    first.close()

    second = _window(qtbot, settings)
    _shown(qtbot, second, 1100, 720)
    assert second.splitter.sizes() == sizes
    assert second.vectors.view.horizontalHeader().sectionSize(1) == 222
    assert second.fields.view.horizontalHeader().sectionSize(0) == 111


def test_first_run_hint_is_dismissed_for_good(qtbot, tmp_path: Path) -> None:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    first = _window(qtbot, settings)
    _shown(qtbot, first, 1100, 720)
    assert first.first_run.isVisible()
    button = first.first_run.findChild(QPushButton, "first_run_dismiss")
    assert button is not None
    button.click()
    assert not first.first_run.isVisible()
    second = _window(qtbot, settings)
    _shown(qtbot, second, 1100, 720)
    assert not second.first_run.isVisible()


def test_list_times_are_local_with_utc_on_hover(qtbot, window: MainWindow, monkeypatch) -> None:
    import time

    from PySide6.QtCore import Qt

    monkeypatch.setenv("TZ", "Asia/Kathmandu")  # +05:45 all year: no DST ambiguity
    time.tzset()
    try:
        model = window.vectors.model
        row = next(
            r
            for r in range(model.rowCount())
            if model.index(r, 5).data() and model.index(r, 5).data() != "…"
        )
        shown = model.index(row, 5).data()
        tip = model.index(row, 5).data(Qt.ItemDataRole.ToolTipRole)
        assert shown.endswith("+0545") and tip.endswith(" UTC")
        local_hm = shown.split()[1][:5]
        utc_hm = tip.split()[1][:5]
        hours, minutes = (int(x) for x in utc_hm.split(":"))
        expected = (hours * 60 + minutes + 5 * 60 + 45) % (24 * 60)
        assert local_hm == f"{expected // 60:02d}:{expected % 60:02d}"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
