"""The left side: filter tabs with counts, a search box, and the vector tree."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QTimer, Signal
from PySide6.QtWidgets import QHeaderView, QLineEdit, QTabBar, QTreeView, QVBoxLayout, QWidget

from core.plan import Plan
from gui.theme import Theme
from gui.vector_model import COLUMNS, Filter, VectorModel, filter_counts

_WIDTHS = (125, 165, 105, 105, 70, 135, 135)
_EXPAND_LIMIT = 20_000  # laying out every row is linear in QTreeView (PERF-NOTES)


class VectorPanel(QWidget):
    """Emits `entry_selected` with the plan entry (or None) the operator is looking at."""

    entry_selected = Signal(object)

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = VectorModel(theme, self)
        self.tabs = QTabBar()
        self.tabs.setObjectName("filter_tabs")
        self.tabs.setExpanding(False)
        self.tabs.setDrawBase(False)
        self.tabs.setStyleSheet("QTabBar::tab { padding: 3px 6px; }")
        for which in Filter:
            self.tabs.addTab(which.value)
        self.tabs.currentChanged.connect(self._filter_changed)
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search uuid or any value  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self._search_timer = QTimer(self)  # no singleShot= keyword: see gui/autosave.py
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(200)
        self._search_timer.timeout.connect(self._filter_changed)
        self.search.textChanged.connect(self._search_timer.start)
        self.search.returnPressed.connect(self._filter_changed)
        self.view = QTreeView()
        self.view.setObjectName("vectors")
        self.view.setModel(self.model)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setAllColumnsShowFocus(True)
        self.view.setSelectionBehavior(QTreeView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QTreeView.SelectionMode.SingleSelection)
        header = self.view.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        for column, width in enumerate(_WIDTHS[: len(COLUMNS)]):
            header.resizeSection(column, width)
        self.view.selectionModel().currentRowChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.tabs)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)

    # ----- the plan
    def set_plan(self, plan: Plan | None) -> None:
        self.model.set_plan(plan)
        self._after_reset(None)
        self.update_counts()

    def refresh(self) -> None:
        """After an override: counts, actions, and the rows if the filter now differs."""
        current = self.current_entry()
        rows_before = self.model.rowCount()
        self.model.refresh()
        if self.model.rowCount() != rows_before or self.current_entry() != current:
            self._after_reset(current)
        self.update_counts()

    def update_counts(self) -> None:
        plan = self.model.plan
        counts = filter_counts(plan) if plan is not None else {}
        for position, which in enumerate(Filter):
            number = counts.get(which)
            self.tabs.setTabText(
                position, which.value if number is None else f"{which.value} {number}"
            )

    def tab_counts(self) -> dict[Filter, int]:
        return {
            which: int(self.tabs.tabText(i).rsplit(" ", 1)[-1]) for i, which in enumerate(Filter)
        }

    # ----- selection and navigation
    def current_entry(self) -> int | None:
        return self.model.entry(self.view.currentIndex())

    def select_entry(self, entry: int | None) -> bool:
        index = self.model.index_of(entry) if entry is not None else QModelIndex()
        if not index.isValid():
            return False
        if index.parent().isValid():
            self.view.expand(index.parent())
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.view.scrollTo(index, QTreeView.ScrollHint.PositionAtCenter)
        # expandAll() lays rows out lazily; scroll again once the layout is done.
        QTimer.singleShot(
            0,
            lambda: self.view.scrollTo(
                self.view.currentIndex(), QTreeView.ScrollHint.PositionAtCenter
            ),
        )
        return True

    def select_filter(self, which: Filter) -> None:
        self.tabs.setCurrentIndex(list(Filter).index(which))

    def step_conflict(self, step: int) -> bool:
        """Select the next (+1) or previous (-1) vector with conflicts, wrapping around."""
        plan = self.model.plan
        if plan is None:
            return False
        order = self.model.visible_entries()
        if not order:
            return False
        current = self.current_entry()
        start = order.index(current) if current in order else (-1 if step > 0 else 0)
        for offset in range(1, len(order) + 1):
            entry = order[(start + step * offset) % len(order)]
            if entry >= 0 and plan.vectors[entry].conflicts:
                return self.select_entry(entry)
        return False

    # ----- internals
    def _filter_changed(self, *_: object) -> None:
        current = self.current_entry()
        self.model.set_filter(list(Filter)[self.tabs.currentIndex()], self.search.text())
        self._after_reset(current)

    def _after_reset(self, keep: int | None) -> None:
        if self.model.rowCount() and len(self.model.visible_entries()) < _EXPAND_LIMIT:
            self.view.expandAll()
        if not self.select_entry(keep):
            self.entry_selected.emit(self.current_entry())

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.entry_selected.emit(self.model.entry(current))
