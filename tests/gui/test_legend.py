"""Help ▸ Keys and legend lists every key the window binds, every icon and colour; secondary
text meets WCAG AA contrast in both themes."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QAction, QColor, QKeySequence, QPalette
from PySide6.QtWidgets import QLabel

from core.vocabulary import Action
from gui.contrast import AA_TEXT, contrast_ratio
from gui.legend import ACTIONS, KEYS, LegendDialog, legend_html
from gui.theme import SECONDARY_TEXT, Theme, dark_palette


def test_contrast_ratio_matches_wcag_examples() -> None:
    assert contrast_ratio(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


@pytest.mark.parametrize("dark", [False, True])
def test_secondary_text_meets_aa(qapp, dark: bool) -> None:
    palette = dark_palette() if dark else QPalette(QColor("#efefef"))
    secondary = QColor(SECONDARY_TEXT[dark])
    backgrounds = [QPalette.ColorRole.Window, QPalette.ColorRole.Base]
    if not dark:
        backgrounds = []  # light: Fusion's window #efefef and white base, checked below
        for colour in ("#efefef", "#ffffff", "#f7f7f7"):
            assert contrast_ratio(secondary, QColor(colour)) >= AA_TEXT
    for role in backgrounds:
        assert contrast_ratio(secondary, palette.color(role)) >= AA_TEXT


def test_every_action_is_explained(qapp) -> None:
    assert {a for a, _ in ACTIONS} == set(Action)
    html = legend_html(Theme.build(False))
    for action in Action:
        assert f"<b>{action.value}</b>" in html


def test_every_bound_key_is_in_the_legend(window) -> None:
    listed = {k for keys, _ in KEYS for k in re.split(r"[ /+]+", keys) if k}
    bound = set()
    for action in window.findChildren(QAction):
        for sequence in action.shortcuts():
            text = sequence.toString(QKeySequence.SequenceFormat.PortableText)
            bound.update(text.replace("Return", "Enter").split("+"))
    missing = {k for k in bound if k and k not in listed}
    assert not missing, f"keys bound but not in the legend: {sorted(missing)}"


def test_dialog_shows_the_legend_and_key_hint_is_not_disabled(qtbot) -> None:
    from gui.field_panel import FieldPanel

    dialog = LegendDialog(Theme.build(False))
    qtbot.addWidget(dialog)
    assert "F8" in dialog.browser.toPlainText()
    panel = FieldPanel(Theme.build(False))
    qtbot.addWidget(panel)
    hint = panel.findChild(QLabel, "key_hint")
    assert hint is not None and hint.isEnabled()


def test_every_column_header_has_a_tooltip(window) -> None:
    from PySide6.QtCore import Qt

    for model in (window.vectors.model, window.fields.model):
        for column in range(model.columnCount()):
            tip = model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
            assert isinstance(tip, str) and len(tip) > 10, (model, column)


def test_f1_opens_the_legend(qtbot, window) -> None:
    dialog = window.show_legend()
    assert "F8" in dialog.browser.toPlainText()
    dialog.close()
