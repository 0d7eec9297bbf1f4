"""The right side: the selected vector's header, its strategy controls and the field grid.

The panel only *requests* decisions (signals); the window turns them into undo commands.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from core.plan import Unchanged
from core.vectors import Vector, effective_strategy, newer_side
from core.vocabulary import Method, Resolution
from gui.compare_view import Choice, CompareView
from gui.diff_delegate import DiffDelegate
from gui.field_model import (
    OTHER,
    RESOLUTION,
    RESULT,
    THIS,
    FieldModel,
    ResolutionDelegate,
    ValueDelegate,
)
from gui.theme import Theme
from gui.times import local_text, utc_text

_WIDTHS = (120, 190, 190, 110)
_KEYS = {Resolution.THIS: "T", Resolution.OTHER: "O", Resolution.NEWER: "N"}
_BY_KEY = {
    Qt.Key.Key_T: Resolution.THIS,
    Qt.Key.Key_O: Resolution.OTHER,
    Qt.Key.Key_N: Resolution.NEWER,
}


def _stamp(value: datetime | None) -> str:
    """Local time for people (gui/times.py); the UTC value is in the label's tooltip."""
    return local_text(value) if value is not None else "no modified_on"


def _utc_stamps(row: Vector | Unchanged) -> str:
    return (
        f"THIS modified: {utc_text(row.this_modified) or 'none'}\n"
        f"OTHER modified: {utc_text(row.other_modified) or 'none'}"
    )


class FieldPanel(QWidget):
    resolution_requested = Signal(list, object)  # field names, Resolution | None
    strategy_requested = Signal(object)  # tuple[Method, ...] | None
    default_requested = Signal(object)  # Resolution | None
    bulk_requested = Signal(str, str, object)  # resource, field, Resolution | None
    value_requested = Signal(str, str)  # field, the text the person typed for its result

    def __init__(self, theme: Theme, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._vector: Vector | None = None
        self.model = FieldModel(theme, self)
        self._build_header()
        self.view = QTableView()
        self.view.setObjectName("fields")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.view.setItemDelegateForColumn(RESOLUTION, ResolutionDelegate(self._chosen, self))
        self.view.setItemDelegateForColumn(RESULT, ValueDelegate(self._typed, self))
        for side, column in enumerate((THIS, OTHER)):
            marks = DiffDelegate(self.model, side, theme.dark, self)
            self.view.setItemDelegateForColumn(column, marks)
        self.view.doubleClicked.connect(self._double_clicked)
        self.compare: CompareView | None = None
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(26)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        for column, width in enumerate(_WIDTHS):
            header.resizeSection(column, width)
        # Five columns over a handful of rows: stretching costs nothing here.
        for column in (THIS, OTHER, RESULT):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.header)
        layout.addWidget(self.view, 1)
        self.show_row(None)

    def _build_header(self) -> None:
        self.header = QWidget()
        self.title = QLabel()
        self.title.setObjectName("vector_title")
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("vector_status")
        self.times = QLabel()
        self.times.setObjectName("vector_times")
        self.times.setWordWrap(True)
        self.allow = {m: QCheckBox(f"allow {m.value}") for m in Method}
        for method, box in self.allow.items():
            box.clicked.connect(lambda _=False, m=method: self._strategy_toggled(m))
        self.skip = QPushButton("Skip")
        self.skip.clicked.connect(lambda: self.strategy_requested.emit(()))
        self.policy = QPushButton("Policy's strategy")
        self.policy.clicked.connect(lambda: self.strategy_requested.emit(None))
        self.default = QComboBox()
        self.default.setObjectName("default_resolution")
        self.default.addItem("policy", None)
        for res in Resolution:
            self.default.addItem(res.value, res)
        self.default.activated.connect(
            lambda i: self.default_requested.emit(self.default.itemData(i))
        )
        strategy = QHBoxLayout()
        strategy.addWidget(QLabel("Strategy:"))
        for box in self.allow.values():
            strategy.addWidget(box)
        strategy.addWidget(self.skip)
        strategy.addWidget(self.policy)
        strategy.addStretch(1)
        default = QHBoxLayout()
        default.addWidget(QLabel("Default resolution:"))
        default.addWidget(self.default)
        default.addStretch(1)
        keys = QLabel(
            "Keys: <b>T</b> THIS · <b>O</b> OTHER · <b>N</b> NEWER on the selected "
            "fields · <b>F8</b>/<b>F7</b> next/previous unresolved conflict · <b>Ctrl+Z</b> undo"
        )
        keys.setObjectName("key_hint")
        keys.setWordWrap(True)
        # A disabled label's grey fails WCAG AA; secondary text uses the theme's AA colour.
        keys.setStyleSheet(f"QLabel#key_hint {{ color: {self._theme.muted.color().name()}; }}")
        grid = QGridLayout(self.header)
        grid.setContentsMargins(4, 4, 4, 4)
        grid.addWidget(self.title, 0, 0)
        grid.addWidget(self.status, 1, 0)
        grid.addWidget(self.times, 2, 0)
        grid.addLayout(strategy, 3, 0)
        grid.addLayout(default, 4, 0)
        grid.addWidget(keys, 5, 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """T / O / N on the field grid set the selected fields' resolution; F2 edits the
        current field's result; Enter compares its two values."""
        if watched is self.view and event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
            editing = self.view.state() == QAbstractItemView.State.EditingState
            if plain and not editing and self._edit_or_compare(event.key()):
                return True
            resolution = _BY_KEY.get(event.key()) if plain else None
            if resolution is not None and self.view.state() != QAbstractItemView.State.EditingState:
                self.request_selected(resolution)
                return True
        return super().eventFilter(watched, event)

    # ----- showing a row
    def show_row(self, row: Vector | Unchanged | None) -> None:
        self._vector = row if isinstance(row, Vector) else None
        self.model.set_vector(self._vector)
        self._show_header(row)
        if self.model.rowCount():
            self.view.setCurrentIndex(self.model.index(0, 0))

    def refresh(self) -> None:
        self.model.refresh()
        if self._vector is not None:
            self._show_header(self._vector)

    def _show_header(self, row: Vector | Unchanged | None) -> None:
        controls_on = isinstance(row, Vector)
        for widget in (*self.allow.values(), self.skip, self.policy, self.default):
            widget.setEnabled(controls_on)
        if row is None:
            self.title.setText("<b>No vector selected</b>")
            self.status.setText("Select a vector on the left to see its fields.")
            self.times.setText("")
            return
        label = f" · {row.label}" if row.label else ""
        self.title.setText(f"<b>{row.resource}{label}</b> &nbsp; <code>{row.uuid}</code>")
        self.times.setToolTip(_utc_stamps(row))
        times = (
            f"THIS modified: <b>{_stamp(row.this_modified)}</b> &nbsp;&nbsp; "
            f"OTHER modified: <b>{_stamp(row.other_modified)}</b>"
        )
        if isinstance(row, Unchanged):
            self.status.setText(f"Action: <b>unchanged</b> — identical on both sides. {row.note}")
            self.times.setText(times)
            return
        side, tie = newer_side(row)
        times += (
            "<br>NEWER cannot decide: <b>tie, THIS kept</b>"
            if tie
            else f"<br>NEWER picks <b>{side.value.upper()}</b>"
        )
        self.times.setText(times)
        colour = self._theme.action_brushes[row.action].color().name()
        reason = f" — {row.reason}" if row.reason else ""
        self.status.setText(
            f"Method: {row.method.value} &nbsp; Action: "
            f"<b style='color:{colour}'>{row.action.value}</b>{reason}"
        )
        strategy = effective_strategy(row)
        for method, box in self.allow.items():
            box.setChecked(method in strategy)
        position = self.default.findData(row.override_default) if row.override_default else 0
        self.default.setCurrentIndex(max(0, position))

    # ----- requests
    def selected_names(self) -> list[str]:
        rows = sorted({i.row() for i in self.view.selectionModel().selectedRows()})
        if not rows and self.view.currentIndex().isValid():
            rows = [self.view.currentIndex().row()]
        return [self.model.name(r) for r in rows if self.model.editable(r)]

    def request_selected(self, resolution: Resolution | None) -> None:
        names = self.selected_names()
        if names:
            self.resolution_requested.emit(names, resolution)

    def select_field(self, name: str) -> None:
        for row in range(self.model.rowCount()):
            if self.model.name(row) == name:
                self.view.setCurrentIndex(self.model.index(row, RESOLUTION))
                self.view.selectRow(row)
                return

    def show_problem(self, text: str) -> None:
        """A refused typed value, said where the person is looking."""
        colour = self._theme.blocked.color().name()
        self.status.setText(f"<b style='color:{colour}'>{escape(text)}</b>")

    # ----- typed values and the compare view
    def _edit_or_compare(self, key: int) -> bool:
        row = self.view.currentIndex().row()
        if row < 0:
            return False
        if key == Qt.Key.Key_F2:
            return self.edit_value(row)
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_compare(row)
            return True
        return False

    def edit_value(self, row: int) -> bool:
        """Open the Result cell's editor (an update's fields only)."""
        if not self.model.value_editable(row):
            return False
        index = self.model.index(row, RESULT)
        self.view.setCurrentIndex(index)
        self.view.edit(index)
        return True

    def _typed(self, row: int, text: str) -> None:
        self.value_requested.emit(self.model.name(row), text)

    def _double_clicked(self, index: QModelIndex) -> None:
        if index.column() in (THIS, OTHER):
            self.open_compare(index.row())

    def open_compare(self, row: int) -> CompareView:
        """Both full values side by side; the choice becomes a request like T/O or F2."""
        outcome = self.model.outcome(row)
        view = CompareView(
            outcome.name,
            self.model.text(outcome, outcome.this),
            self.model.text(outcome, outcome.other),
            dark=self._theme.dark,
            editable=self.model.value_editable(row),
            parent=self,
        )
        view.finished.connect(lambda _=0, v=view, r=row: self._compared(v, r))
        self.compare = view
        view.open()
        return view

    def _compared(self, view: CompareView, row: int) -> None:
        self.compare = None
        name = self.model.name(row)
        if view.choice is Choice.THIS:
            self.resolution_requested.emit([name], Resolution.THIS)
        elif view.choice is Choice.OTHER:
            self.resolution_requested.emit([name], Resolution.OTHER)
        elif view.choice is Choice.EDIT:
            self.edit_value(row)
        view.deleteLater()

    def _chosen(self, row: int, resolution: Resolution) -> None:
        self.resolution_requested.emit([self.model.name(row)], resolution)

    def _strategy_toggled(self, method: Method) -> None:
        if self._vector is None:
            return
        current = effective_strategy(self._vector)
        wanted = [m for m in Method if (m in current) != (m is method)]
        self.strategy_requested.emit(tuple(wanted))

    def _context_menu(self, point: QPoint) -> None:
        index = self.view.indexAt(point)
        vector = self._vector
        if not index.isValid() or vector is None or not self.model.editable(index.row()):
            return
        name = self.model.name(index.row())
        menu = QMenu(self)
        for resolution, key in _KEYS.items():
            menu.addAction(
                f"Use {resolution.value.upper()}\t{key}",
                lambda r=resolution: self.request_selected(r),
            )
        menu.addAction("Back to the policy's choice", lambda: self.request_selected(None))
        menu.addSeparator()
        for resolution in Resolution:
            menu.addAction(
                f"For {name}, use {resolution.value.upper()} in every {vector.resource}…",
                lambda r=resolution: self.bulk_requested.emit(vector.resource, name, r),
            )
        menu.popup(self.view.viewport().mapToGlobal(point))
