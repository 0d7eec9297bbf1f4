"""The vector list: a two-level item model over a plan's vectors and unchanged rows.

Rows are integer *entries* into the plan (`e >= 0`: `plan.vectors[e]`; `e < 0`:
`plan.unchanged[-e - 1]`); filtering builds index arrays, never per-row objects. An entry
that passes the filter is shown under its nearest ancestor that also passes (components
under their master), otherwise at the top level.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt

from core.plan import Plan, Unchanged
from core.vectors import Vector
from core.vocabulary import Action
from gui.theme import Theme

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # read-only default argument: Qt's "no parent"
Row = Vector | Unchanged


class Filter(StrEnum):
    ALL = "All"
    CONFLICTS = "Conflicts"
    CREATES = "Creates"
    UPDATES = "Updates"
    DELETES = "Deletes"
    SKIPPED = "Skipped"
    ERRORS = "Errors"
    UNCHANGED = "Unchanged"


_BY_ACTION = {
    Filter.CREATES: Action.CREATE,
    Filter.UPDATES: Action.UPDATE,
    Filter.DELETES: Action.DELETE,
    Filter.SKIPPED: Action.SKIP,
    Filter.ERRORS: Action.ERROR,
    Filter.UNCHANGED: Action.UNCHANGED,
}

COLUMNS = ("Resource", "Label", "UUID", "Action", "Conflicts", "THIS modified", "OTHER modified")
ACTION_COLUMN = 3


def action_of(row: Row) -> Action:
    return row.action if isinstance(row, Vector) else Action.UNCHANGED


def passes(row: Row, which: Filter) -> bool:
    if which is Filter.ALL:
        return True
    if which is Filter.CONFLICTS:
        return isinstance(row, Vector) and row.conflicts > 0
    return action_of(row) is _BY_ACTION[which]


def matches(row: Row, needle: str) -> bool:
    """Case-insensitive substring search over uuid, label, resource and every value."""
    if needle in row.uuid.lower() or needle in row.label.lower() or needle in row.resource:
        return True
    if isinstance(row, Vector):
        for values in (row.other_values, row.this_values):
            for value in values.values():
                if value is not None and needle in str(value).lower():
                    return True
    return False


def filter_counts(plan: Plan) -> dict[Filter, int]:
    counts = plan.counts()
    result = {
        Filter.ALL: len(plan.vectors) + len(plan.unchanged),
        Filter.CONFLICTS: counts["conflicts"],
    }
    for which, action in _BY_ACTION.items():
        result[which] = counts[action.value]
    return result


def _stamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


_DISPLAY: tuple[Callable[[Row], Any], ...] = (
    lambda r: r.resource,
    lambda r: r.label,
    lambda r: r.uuid,
    lambda r: action_of(r).value,
    lambda r: (r.conflicts or "") if isinstance(r, Vector) else "",
    lambda r: _stamp(r.this_modified),
    lambda r: _stamp(r.other_modified),
)


class VectorModel(QAbstractItemModel):
    """Masters at the top level, components below; no per-row QObjects."""

    def __init__(self, theme: Theme, parent: Any = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._plan: Plan | None = None
        self._filter = Filter.ALL
        self._needle = ""
        self._top: list[int] = []
        self._kids: list[list[int]] = []
        self._entry_of: dict[tuple[str, str], int] = {}

    # ----- data the window asks for
    @property
    def plan(self) -> Plan | None:
        return self._plan

    def set_plan(self, plan: Plan | None) -> None:
        self._plan = plan
        self._entry_of = {}
        if plan is not None:
            self._entry_of = {v.identity: e for e, v in enumerate(plan.vectors)}
            for j, row in enumerate(plan.unchanged):
                self._entry_of[(row.resource, row.uuid)] = -j - 1
        self._rebuild(force=True)

    def set_filter(self, which: Filter, needle: str | None = None) -> None:
        self._filter = which
        if needle is not None:
            self._needle = needle.strip().lower()
        self._rebuild(force=True)

    def refresh(self) -> None:
        """After an override: keep the rows if membership did not change, else reset."""
        self._rebuild(force=False)

    def row(self, entry: int) -> Row:
        assert self._plan is not None
        return self._plan.vectors[entry] if entry >= 0 else self._plan.unchanged[-entry - 1]

    def entry(self, index: Index) -> int | None:
        if not index.isValid():
            return None
        parent = index.internalId()
        return self._top[index.row()] if parent == 0 else self._kids[parent - 1][index.row()]

    def index_of(self, entry: int) -> QModelIndex:
        for top_row, top in enumerate(self._top):
            if top == entry:
                return self.index(top_row, 0)
            kids = self._kids[top_row]
            if entry in kids:
                return self.index(kids.index(entry), 0, self.index(top_row, 0))
        return QModelIndex()

    def entry_of(self, identity: tuple[str, str]) -> int | None:
        return self._entry_of.get(identity)

    def visible_entries(self) -> list[int]:
        """Every shown entry in display order (masters, then their components)."""
        order: list[int] = []
        for top, kids in zip(self._top, self._kids, strict=True):
            order.append(top)
            order.extend(kids)
        return order

    # ----- filtering by index arrays
    def _entries(self) -> range:
        assert self._plan is not None
        return range(-len(self._plan.unchanged), len(self._plan.vectors))

    def _rebuild(self, force: bool) -> None:
        top, kids = self._compute()
        if not force and top == self._top and kids == self._kids:
            self._emit_all_changed()
            return
        self.beginResetModel()
        self._top, self._kids = top, kids
        self.endResetModel()

    def _compute(self) -> tuple[list[int], list[list[int]]]:
        if self._plan is None:
            return [], []
        shown = [e for e in self._ordered() if self._shown(self.row(e))]
        kept = set(shown)
        # Two passes: a master's vector may come after its components' (a master that
        # is unchanged itself is appended to the plan when a component changed).
        ancestor = {e: self._shown_ancestor(e, kept) for e in shown}
        top = [e for e in shown if ancestor[e] is None]
        position = {e: n for n, e in enumerate(top)}
        kids: list[list[int]] = [[] for _ in top]
        for e in shown:
            root = ancestor[e]
            while root is not None and ancestor[root] is not None:  # one level of nesting
                root = ancestor[root]
            if root is not None:
                kids[position[root]].append(e)
        return top, kids

    def _ordered(self) -> list[int]:
        """Vectors in plan order, then unchanged rows."""
        assert self._plan is not None
        vectors = range(len(self._plan.vectors))
        return [*vectors, *range(-1, -len(self._plan.unchanged) - 1, -1)]

    def _shown(self, row: Row) -> bool:
        return passes(row, self._filter) and (not self._needle or matches(row, self._needle))

    def _shown_ancestor(self, entry: int, kept: set[int]) -> int | None:
        parent = self.row(entry).parent
        seen = 0
        while parent is not None and seen < 8:
            found = self._entry_of.get(parent)
            if found is None:
                return None
            if found in kept:
                return found
            parent = self.row(found).parent
            seen += 1
        return None

    def _emit_all_changed(self) -> None:
        last = len(COLUMNS) - 1
        if self._top:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._top) - 1, last))
        for top_row, kids in enumerate(self._kids):
            if kids:
                parent = self.index(top_row, 0)
                self.dataChanged.emit(
                    self.index(0, 0, parent), self.index(len(kids) - 1, last, parent)
                )

    # ----- QAbstractItemModel
    def index(self, row: int, column: int, parent: Index = _ROOT) -> QModelIndex:
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid() or index.internalId() == 0:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = _ROOT) -> int:
        if not parent.isValid():
            return len(self._top)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0
        return len(self._kids[parent.row()])

    def columnCount(self, parent: Index = _ROOT) -> int:
        return len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ROLES or not index.isValid():
            return None
        row = self.row(self.entry(index))  # type: ignore[arg-type]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _DISPLAY[column](row)
        if column != ACTION_COLUMN:
            if (
                role == Qt.ItemDataRole.DecorationRole
                and column == 4
                and isinstance(row, Vector)
                and row.conflicts
            ):
                return self._theme.conflict_icon
            return None
        action = action_of(row)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._theme.action_icons[action]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._theme.action_brushes[action]
        reason = row.reason if isinstance(row, Vector) else row.note
        return reason or None  # ToolTipRole


_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
    }
)
