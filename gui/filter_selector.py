"""The filter tabs as a compact selector when the list is too narrow to show them all.

A QTabBar cannot wrap; at 1024 px the last tabs would scroll out of sight. Below the width the
tabs need, a combo box with the same entries (and counts) takes their place; both drive the
same current index, so nothing else knows which one is showing.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QTabBar


class CompactTabs(QComboBox):
    """Mirrors `tabs`: same texts, same current index, either one can be used."""

    def __init__(self, tabs: QTabBar) -> None:
        super().__init__()
        self.setObjectName("filter_selector")
        self.setToolTip("Which vectors the list shows (the tabs, when there is room)")
        self._tabs = tabs
        self.setVisible(False)
        self.sync()
        self.activated.connect(tabs.setCurrentIndex)
        tabs.currentChanged.connect(self.setCurrentIndex)

    def sync(self) -> None:
        """Copy the tabs' texts (their counts change with every decision)."""
        texts = [self._tabs.tabText(i) for i in range(self._tabs.count())]
        if [self.itemText(i) for i in range(self.count())] != texts:
            self.blockSignals(True)
            self.clear()
            self.addItems(texts)
            self.blockSignals(False)
        self.setCurrentIndex(self._tabs.currentIndex())

    def fit(self, width: int) -> None:
        """Show the tabs when they fit in `width`, else this selector."""
        compact = self._tabs.sizeHint().width() > width
        if compact:
            self.sync()
        self._tabs.setVisible(not compact)
        self.setVisible(compact)
