"""The vector list: a flat table over index arrays into a plan's vectors and unchanged rows.

Rows are integer *entries* (`e >= 0`: `plan.vectors[e]`; `e < 0`: unchanged row `-e - 1`).
The model holds one array of the entries shown, in display order: a filter tab, a search
or a sort computes a new array and resets the model; nothing per row is built. A
component is shown right under its master, its Resource cell indented with "└".
Overrides repaint only the rows of the vectors they changed (`vectors_changed`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from core.plan import Plan
from core.steps import Steps, run_steps
from core.vectors import Vector
from gui.theme import Theme
from gui.times import utc_text
from gui.unchanged_rows import Submit, UnchangedRows
from gui.vector_columns import (
    _BY_ACTION,
    _DISPLAY,
    _SORT_KEYS,
    _TIME_COLUMNS,
    ACTION_COLUMN,
    COLUMN_TIPS,
    COLUMNS,
    COMPONENT_MARK,
    CONFLICTS_COLUMN,
    RESOURCE_COLUMN,
    Filter,
    Row,
    action_of,
    filter_counts,
)
from gui.vector_search import SearchText
from gui.vector_table import VectorTable

__all__ = [  # the columns and tabs are read from here too
    "_SORT_KEYS",
    "ACTION_COLUMN",
    "COLUMN_TIPS",
    "COLUMNS",
    "COMPONENT_MARK",
    "CONFLICTS_COLUMN",
    "RESOURCE_COLUMN",
    "Filter",
    "VectorModel",
    "action_of",
    "filter_counts",
]

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # read-only default argument: Qt's "no parent"
_EMPTY = np.zeros(0, np.int64)
_MAX_RANGES = 64  # changed row ranges signalled one by one; more are signalled as one span


class VectorModel(QAbstractTableModel):
    """The shown entries as one array; no per-row objects of any kind."""

    def __init__(self, theme: Theme, parent: Any = None, submit: Submit | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._submit = submit
        self._plan: Plan | None = None
        self._table: VectorTable | None = None
        self._search: SearchText | None = None
        self._unchanged: UnchangedRows | None = None
        self._filter = Filter.ALL
        self._needle = ""
        self._sort: tuple[int, Qt.SortOrder] = (-1, Qt.SortOrder.AscendingOrder)
        self._order = _EMPTY  # every vector position, in display order
        self._rows = _EMPTY  # the entries shown
        self._row_of = _EMPTY  # vector position -> row, -1 when not shown
        self._all_unchanged = _EMPTY  # the entries of every unchanged row
        self._entry_of: dict[tuple[str, str], int] = {}
        self._provisional: list[Vector] = []  # listed while a plan is being built
        self._handlers: dict[int, Callable[[int, Row, int], Any]] = {
            Qt.ItemDataRole.DisplayRole: self._display,
            Qt.ItemDataRole.DecorationRole: self._decoration,
            Qt.ItemDataRole.ForegroundRole: self._foreground,
            Qt.ItemDataRole.ToolTipRole: self._tooltip,
        }

    # ----- the plan
    @property
    def plan(self) -> Plan | None:
        return self._plan

    @property
    def table(self) -> VectorTable | None:
        """The plan's per-vector arrays (actions, conflicts, unresolved flags)."""
        return self._table

    @property
    def search_text(self) -> SearchText | None:
        """The searchable text, for the panel to build in idle steps."""
        return self._search

    def set_plan(self, plan: Plan | None, table: VectorTable | None = None) -> None:
        """Show `plan`; `table` is its arrays when they were built off the UI thread."""
        self._plan = plan
        self._provisional = []
        self._table = (table or VectorTable(plan)) if plan is not None else None
        self._search = self._table.search if self._table is not None else None
        # Unparented: the model holds no child objects, and a replaced one is collected.
        self._unchanged = UnchangedRows(plan.unchanged, self._submit) if plan else None
        if self._unchanged is not None:
            self._unchanged.arrived.connect(self._unchanged_arrived)
        self._entry_of = {}
        self._order = self._table.order(None, -1, plan, True) if plan is not None else _EMPTY
        self._sort = (-1, Qt.SortOrder.AscendingOrder)
        first = self._table.first_view if self._table is not None else None
        if first is not None and self._filter is Filter.ALL and not self._needle:
            # Built on the worker with the arrays: adopted, not computed on the UI thread.
            self._table.first_view = None  # type: ignore[union-attr]
            self.beginResetModel()
            self._rows, self._row_of = first
            self._all_unchanged = self._rows[len(self._row_of) :]
            self.endResetModel()
        else:
            self._refilter()

    def add_provisional(self, vectors: list[Vector]) -> None:
        """List vectors of a plan still being built (no actions yet, no filtering): the
        list shows and scrolls what has arrived; `set_plan` replaces them."""
        if self._plan is not None:
            self.set_plan(None)
        if not vectors:
            return
        first = len(self._provisional)
        self.beginInsertRows(QModelIndex(), first, first + len(vectors) - 1)
        self._provisional.extend(vectors)
        self.endInsertRows()

    @property
    def provisional(self) -> int:
        return len(self._provisional)

    def set_filter(self, which: Filter, needle: str | None = None) -> None:
        self._filter = Filter(which)
        if needle is not None:
            self._needle = needle.strip().lower()
        self._refilter()

    def set_search(self, text: str) -> None:
        self.set_filter(self._filter, text)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort vectors by `column` (-1: plan order), components under their master."""
        if self._plan is None or self._table is None:
            return
        self._sort = (column, order)
        ascending = order == Qt.SortOrder.AscendingOrder
        self._order = self._table.order(_SORT_KEYS, column, self._plan, ascending)
        self._refilter()

    def counts(self) -> dict[Filter, int]:
        """Rows per tab, from the arrays (kept current by `vectors_changed`)."""
        table = self._table
        if table is None:
            return {}
        unchanged = len(self._unchanged or ())
        counts = {which: table.count(action) for which, action in _BY_ACTION.items()}
        counts[Filter.UNCHANGED] += unchanged
        counts[Filter.ALL] = table.size + unchanged
        counts[Filter.CONFLICTS] = int(np.count_nonzero(table.conflicts))
        return counts

    # ----- rows and entries
    def row(self, entry: int) -> Row | None:
        assert self._plan is not None and self._unchanged is not None
        return self._plan.vectors[entry] if entry >= 0 else self._unchanged.get(-entry - 1)

    def entry(self, index: Index) -> int | None:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        return int(self._rows[index.row()])

    def entry_at(self, row: int) -> int:
        return int(self._rows[row])

    def row_of_entry(self, entry: int) -> int:
        """The row showing `entry`, or -1."""
        if entry >= 0:
            return int(self._row_of[entry]) if entry < len(self._row_of) else -1
        shown = np.flatnonzero(self._rows == entry)
        return int(shown[0]) if len(shown) else -1

    def rows_of(self, positions: np.ndarray) -> np.ndarray:
        """The rows showing the vectors at `positions` (-1 where not shown)."""
        if not len(self._row_of):
            return np.full(len(positions), -1, np.int64)
        return self._row_of[positions]

    def index_of(self, entry: int, column: int = 0) -> QModelIndex:
        row = self.row_of_entry(entry)
        return self.index(row, column) if row >= 0 else QModelIndex()

    def entry_of(self, identity: tuple[str, str]) -> int | None:
        if self._plan is None:
            return None
        vector = self._plan.get(*identity)
        if vector is not None:
            return self._plan.position(vector)
        if not self._entry_of and self._unchanged is not None:
            rows = self._unchanged.all()
            self._entry_of = {(u.resource, u.uuid): -j - 1 for j, u in enumerate(rows)}
        return self._entry_of.get(identity)

    def visible_entries(self) -> list[int]:
        """Every shown entry in display order."""
        return self._rows.tolist()

    def shown(self) -> np.ndarray:
        """The shown entries in display order (read-only view)."""
        view = self._rows.view()
        view.flags.writeable = False
        return view

    # ----- after an override
    def vectors_changed(self, positions: Iterable[int]) -> list[tuple[int, int]]:
        """Take the new state of the vectors at `positions`: counts follow, and only the
        rows showing them repaint (in contiguous ranges, returned). Rows stay where they
        are until the next filter or search, so the operator's place is kept."""
        return run_steps(self.vectors_changed_steps(positions))

    def vectors_changed_steps(self, positions: Iterable[int]) -> Steps[list[tuple[int, int]]]:
        """`vectors_changed` in steps (core/steps.py): the arrays are read again in
        chunks; the rows repaint once, at the end."""
        if self._table is None or self._plan is None:
            return []
        # A command bound to a plan replaced by a reload reports that plan's positions.
        size = self._table.size
        positions = [n for n in positions if n < size]
        if not positions:
            return []
        yield from self._table.update_steps(self._plan, positions)
        rows = self._row_of[np.asarray(positions, np.int64)]
        ranges = _ranges(np.sort(rows[rows >= 0]))  # positions are distinct: so are rows
        if len(ranges) > _MAX_RANGES:
            # A bulk change: one signal over the span (the view repaints only what is in
            # sight) costs less than a signal, and the view's answer, per range.
            ranges = [(ranges[0][0], ranges[-1][1])]
        last = len(COLUMNS) - 1
        for first, final in ranges:
            self.dataChanged.emit(self.index(first, 0), self.index(final, last))
        return ranges

    # ----- filtering by index arrays
    def _refilter(self) -> None:
        self.beginResetModel()
        self._rows, self._row_of = self._compute()
        self.endResetModel()

    def _compute(self) -> tuple[np.ndarray, np.ndarray]:
        table, plan = self._table, self._plan
        if table is None or plan is None:
            return _EMPTY, _EMPTY
        keep = self._vector_mask(table)
        if self._needle and self._search is not None:
            keep &= self._search.mask(self._needle)
        vectors = self._order[keep[self._order]]
        row_of = np.full(table.size, -1, np.int64)
        row_of[vectors] = np.arange(len(vectors))
        if self._filter in (Filter.ALL, Filter.UNCHANGED):
            vectors = np.concatenate([vectors, self._unchanged_entries()])
        return vectors, row_of

    def _vector_mask(self, table: VectorTable) -> np.ndarray:
        if self._filter is Filter.ALL:
            return np.ones(table.size, bool)
        if self._filter is Filter.CONFLICTS:
            return table.conflicts > 0
        return table.with_action(_BY_ACTION[self._filter])

    def _unchanged_entries(self) -> np.ndarray:
        rows = self._unchanged
        if rows is None or not len(rows):
            return _EMPTY
        if not self._needle:
            if len(self._all_unchanged) != len(rows):  # the same for every tab: kept
                self._all_unchanged = -np.arange(1, len(rows) + 1, dtype=np.int64)
            return self._all_unchanged
        # Only rows held in memory can be searched here (a paged set is not scanned).
        needle = self._needle
        found = [
            -j - 1
            for j, u in enumerate(rows.all())
            if needle in u.uuid.lower() or needle in u.label.lower() or needle in u.resource
        ]
        return np.asarray(found, np.int64)

    def _unchanged_arrived(self, first: int, last: int) -> None:
        shown = np.flatnonzero((self._rows < 0) & (-self._rows - 1 >= first))
        shown = shown[-self._rows[shown] - 1 <= last]
        for start, stop in _ranges(shown):
            self.dataChanged.emit(self.index(start, 0), self.index(stop, len(COLUMNS) - 1))

    # ----- QAbstractTableModel
    def rowCount(self, parent: Index = _ROOT) -> int:
        if parent.isValid():
            return 0
        return len(self._rows) if self._plan is not None else len(self._provisional)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return COLUMN_TIPS[section] + " — click to sort, again to reverse"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        handler = self._handlers.get(role)
        if handler is None or not index.isValid():
            return None
        if self._plan is None:
            return self._provisional_data(self._provisional[index.row()], index.column(), role)
        entry = int(self._rows[index.row()])
        row = self.row(entry)
        if row is None:  # an unchanged row whose page is on its way
            return "…" if role == Qt.ItemDataRole.DisplayRole and index.column() == 0 else None
        return handler(entry, row, index.column())

    def _conflicts(self, entry: int) -> int:
        """From the table's array: the vector's own count loops over its fields."""
        table = self._table
        return int(table.conflicts[entry]) if entry >= 0 and table is not None else 0

    def _display(self, entry: int, row: Row, column: int) -> Any:
        if column == CONFLICTS_COLUMN:
            return self._conflicts(entry) or ""
        text = _DISPLAY[column](row)
        table = self._table
        if column == RESOURCE_COLUMN and entry >= 0 and table is not None:
            return COMPONENT_MARK + text if table.component[entry] else text
        return text

    def _provisional_data(self, vector: Vector, column: int, role: int) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        return "computing…" if column == ACTION_COLUMN else _DISPLAY[column](vector)

    def _decoration(self, entry: int, row: Row, column: int) -> Any:
        if column == ACTION_COLUMN:
            return self._theme.action_icons[action_of(row)]
        if column == CONFLICTS_COLUMN and self._conflicts(entry):
            return self._theme.conflict_icon
        return None

    def _foreground(self, entry: int, row: Row, column: int) -> Any:
        return self._theme.action_brushes[action_of(row)] if column == ACTION_COLUMN else None

    def _tooltip(self, entry: int, row: Row, column: int) -> Any:
        if column in _TIME_COLUMNS:
            return utc_text(row.this_modified if column == _TIME_COLUMNS[0] else row.other_modified)
        if column != ACTION_COLUMN:
            return None
        reason = row.reason if isinstance(row, Vector) else row.note
        return reason or None


def _ranges(rows: np.ndarray) -> list[tuple[int, int]]:
    """Sorted row numbers as contiguous (first, last) ranges."""
    if not len(rows):
        return []
    breaks = np.flatnonzero(np.diff(rows) != 1)
    starts = np.concatenate([[rows[0]], rows[breaks + 1]])
    ends = np.concatenate([rows[breaks], [rows[-1]]])
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]
