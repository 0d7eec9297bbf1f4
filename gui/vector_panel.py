"""The left side: filter tabs with counts, a search box, and the flat vector list.

The list selects many rows (Shift/Ctrl); T/O/N, skip and strategy choices apply to
every selected vector as one step (keys while the list has focus, or the context menu).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QKeyCombination,
    QModelIndex,
    QObject,
    QPoint,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTabBar,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.plan import Plan
from core.steps import Steps, run_steps
from core.vectors import Vector
from core.vocabulary import Resolution
from gui.filter_selector import CompactTabs
from gui.theme import Theme
from gui.unchanged_rows import Submit
from gui.vector_model import ACTION_COLUMN, COLUMNS, Filter, VectorModel
from gui.vector_table import VectorTable

_WIDTHS = (125, 165, 105, 105, 70, 135, 135)
_CHOICES = (
    # T/O/N are the window's keys for the current fields (gui/keyboard.py): menu only here.
    ("Use &THIS for the selected", "", ("default", Resolution.THIS)),
    ("Use &OTHER for the selected", "", ("default", Resolution.OTHER)),
    ("Use &NEWER for the selected", "", ("default", Resolution.NEWER)),
    ("&Policy's resolution for the selected", "", ("default", None)),
    ("&Skip the selected", "S", ("strategy", ())),
    ("Follow the policy's &strategy", "Shift+S", ("strategy", None)),
)


class VectorPanel(QWidget):
    """Emits `entry_selected` with the plan entry (or None) the operator is looking at,
    `selection_counted` with the number of selected rows, and the bulk requests."""

    entry_selected = Signal(object)
    selection_counted = Signal(int)
    default_requested = Signal(list, object)  # vectors, Resolution | None
    strategy_requested = Signal(list, object)  # vectors, tuple[Method, ...] | None

    def __init__(
        self, theme: Theme, parent: QWidget | None = None, submit: Submit | None = None
    ) -> None:
        super().__init__(parent)
        self.model = VectorModel(theme, self, submit)
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
        # The searchable text is built in idle steps, so the first search is quick.
        self._indexer = QTimer(self, interval=0)
        self._indexer.timeout.connect(self._index_step)
        self.view = self._build_view()
        self._build_actions()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.compact_tabs = CompactTabs(self.tabs)
        layout.addWidget(self.tabs)
        layout.addWidget(self.compact_tabs)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)

    def _build_view(self) -> QTableView:
        view = QTableView()
        view.setObjectName("vectors")
        view.setModel(self.model)
        view.setAlternatingRowColors(True)
        view.setShowGrid(False)
        view.setWordWrap(False)
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        rows = view.verticalHeader()
        rows.setVisible(False)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # never measure 1M rows
        rows.setDefaultSectionSize(view.fontMetrics().height() + 6)
        header = view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        for column, width in enumerate(_WIDTHS[: len(COLUMNS)]):
            header.resizeSection(column, width)
        # What a commit will do must stay in sight on a narrow window: Action shows first.
        header.moveSection(header.visualIndex(ACTION_COLUMN), 0)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        view.setSortingEnabled(True)  # a header click calls model.sort: arrays, no proxy
        view.selectionModel().currentRowChanged.connect(self._current_changed)
        view.selectionModel().selectionChanged.connect(self._selection_changed)
        view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        view.customContextMenuRequested.connect(self._context_menu)
        return view

    def _build_actions(self) -> None:
        """The context menu's choices; their keys are read by `eventFilter` while the list
        has focus (the field grid has its own T/O/N), so they are shown, not registered."""
        self.choice_actions: list[QAction] = []
        self._keys: dict[QKeyCombination, QAction] = {}
        for text, key, (kind, value) in _CHOICES:
            action = QAction(f"{text}\t{key}" if key else text, self.view)
            action.triggered.connect(lambda _=False, k=kind, v=value: self._request(k, v))
            self.choice_actions.append(action)
            if key:
                self._keys[QKeySequence(key)[0]] = action
        self.view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            action = self._keys.get(event.keyCombination())
            if action is not None:
                action.trigger()
                return True
        return super().eventFilter(watched, event)

    # ----- the plan
    def set_plan(self, plan: Plan | None, table: VectorTable | None = None) -> None:
        self.model.set_plan(plan, table)
        self._after_reset(None)
        self.update_counts()
        if plan is not None:
            self._indexer.start()

    def add_provisional(self, vectors: list[Vector]) -> None:
        """Vectors of a plan still being built: listed (and scrollable) as they arrive."""
        replacing = self.model.plan is not None
        if replacing:
            self._indexer.stop()
        self.model.add_provisional(vectors)
        if replacing:
            self.entry_selected.emit(None)
        for position, which in enumerate(Filter):
            self.tabs.setTabText(position, which.value)
        self.tabs.setTabText(0, f"{Filter.ALL.value} {self.model.provisional}…")
        self.compact_tabs.fit(self.width())

    def vectors_changed(self, positions: set[int]) -> list[tuple[int, int]]:
        """After an override: repaint the changed rows and update the counts."""
        return run_steps(self.vectors_changed_steps(positions))

    def vectors_changed_steps(self, positions: set[int]) -> Steps[list[tuple[int, int]]]:
        """`vectors_changed` in steps (core/steps.py)."""
        ranges = yield from self.model.vectors_changed_steps(positions)
        self.update_counts()
        return ranges

    def refresh(self) -> None:
        """Everything may have changed (e.g. a new plan object): recount and repaint."""
        plan = self.model.plan
        if plan is not None:
            self.vectors_changed(set(range(len(plan.vectors))))

    def update_counts(self) -> None:
        counts = self.model.counts()
        for position, which in enumerate(Filter):
            number = counts.get(which)
            self.tabs.setTabText(
                position, which.value if number is None else f"{which.value} {number}"
            )
        self.compact_tabs.fit(self.width())

    def tab_counts(self) -> dict[Filter, int]:
        return {
            which: int(self.tabs.tabText(i).rsplit(" ", 1)[-1]) for i, which in enumerate(Filter)
        }

    # ----- selection and navigation
    def current_entry(self) -> int | None:
        return self.model.entry(self.view.currentIndex())

    def selected_entries(self) -> np.ndarray:
        """The selected entries in display order, read from selection ranges."""
        shown = self.model.shown()
        parts = [np.arange(r.top(), r.bottom() + 1) for r in self.view.selectionModel().selection()]
        if not parts:
            return np.zeros(0, np.int64)
        rows = np.sort(np.concatenate(parts))
        rows = rows[np.concatenate(([True], np.diff(rows) != 0))]  # ranges may overlap
        return shown[rows[rows < len(shown)]]

    def selected_vectors(self) -> list[Vector]:
        plan = self.model.plan
        if plan is None:
            return []
        entries = self.selected_entries()
        return [plan.vectors[e] for e in entries[entries >= 0].tolist()]

    def select_entry(self, entry: int | None) -> bool:
        index = self.model.index_of(entry) if entry is not None else QModelIndex()
        if not index.isValid():
            return False
        self.view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        # A row already in sight stays where it is (the list does not jump, and only the
        # two rows whose selection changed repaint); another one is centred, keeping the
        # columns where they are (Action stays in sight).
        rect = self.view.visualRect(index)
        if rect.top() >= 0 and rect.bottom() <= self.view.viewport().height():
            return True
        horizontal = self.view.horizontalScrollBar()
        left = horizontal.value()
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        horizontal.setValue(left)
        return True

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.compact_tabs.fit(event.size().width())

    def select_filter(self, which: Filter) -> None:
        self.tabs.setCurrentIndex(list(Filter).index(which))

    def step_conflict(self, step: int) -> bool:
        """Select the next (+1) or previous (-1) vector with conflicts, wrapping around."""
        table = self.model.table
        return table is not None and self.step_to(table.conflicts > 0, step)

    def step_unresolved(self, step: int) -> bool:
        """Select the next (+1) or previous (-1) vector with an unresolved conflict."""
        table = self.model.table
        return table is not None and self.step_to(table.unresolved, step)

    def step_to(self, flags: np.ndarray, step: int) -> bool:
        """Select the next (+1) or previous (-1) shown vector whose flag (one per plan
        position) is set, after the current row, wrapping around: array operations over
        the flagged vectors' rows (not every shown row: at a million records most are
        unchanged), so an F8 costs the same at a million rows."""
        rows = self.model.rows_of(np.flatnonzero(flags))
        rows = rows[rows >= 0]
        if not len(rows):
            return False
        current = self.view.currentIndex().row() if self.view.currentIndex().isValid() else -1
        if step > 0:
            later = rows[rows > current]
            row = int(later.min()) if len(later) else int(rows.min())
        else:
            earlier = rows[rows < current] if current >= 0 else rows
            row = int(earlier.max()) if len(earlier) else int(rows.max())
        return self.select_entry(self.model.entry_at(row))

    # ----- internals
    def _filter_changed(self, *_: object) -> None:
        current = self.current_entry()
        self.model.set_filter(list(Filter)[self.tabs.currentIndex()], self.search.text())
        self._after_reset(current)

    def _after_reset(self, keep: int | None) -> None:
        if not self.select_entry(keep):
            self.entry_selected.emit(self.current_entry())
        self._selection_changed()

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.entry_selected.emit(self.model.entry(current))

    def _selection_changed(self, *_: Any) -> None:
        selection = self.view.selectionModel().selection()
        self.selection_counted.emit(sum(r.height() for r in selection))

    def _request(self, kind: str, value: object) -> None:
        vectors = self.selected_vectors()
        if not vectors:
            return
        signal = self.default_requested if kind == "default" else self.strategy_requested
        signal.emit(vectors, value)

    def _context_menu(self, where: QPoint) -> None:
        if not self.selected_vectors():
            return
        menu = QMenu(self)
        menu.addActions(self.choice_actions[:4])
        menu.addSeparator()
        menu.addActions(self.choice_actions[4:])
        menu.popup(self.view.viewport().mapToGlobal(where))

    def _index_step(self) -> None:
        text = self.model.search_text
        if text is None or text.build_step():
            self._indexer.stop()
