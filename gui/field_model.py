"""The field grid of one vector: Field | THIS | OTHER | Resolution | Result.

Outcomes come from `core.vectors.outcomes`; this model only formats them. Editing the
Resolution column goes through `ResolutionDelegate`, which hands the choice to a callback
(an undo command), never to `setData`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QStyledItemDelegate, QWidget

from core.edits import text_for_edit
from core.vectors import FieldOutcome, Vector, outcomes
from core.vocabulary import Method, Resolution, Side
from gui.theme import Theme

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # read-only default argument: Qt's "no parent"
COLUMNS = ("Field", "THIS (local)", "OTHER (incoming)", "Resolution", "Result")
FIELD, THIS, OTHER, RESOLUTION, RESULT = range(5)
COLUMN_TIPS = (
    "The fields the OTHER record carries (⚠ a conflict: both sides have differing values)",
    "THIS's value (local); green with a tick when it wins; Enter compares in full",
    "OTHER's value (incoming); green with a tick when it wins; Enter compares in full",
    "Who decides: THIS, OTHER, NEWER (T / O / N) or edited (a value you typed)",
    "What a commit leaves in THIS; F2 types a value of your own (✎)",
)
EMPTY = "∅"


class FieldModel(QAbstractTableModel):
    """Rows are the fields the OTHER record carries, in its order."""

    def __init__(self, theme: Theme, parent: Any = None) -> None:
        super().__init__(parent)
        self._theme = theme
        self._vector: Vector | None = None
        self._rows: list[FieldOutcome] = []
        self._labels: dict[tuple[str, str], str] = {}

    @property
    def vector(self) -> Vector | None:
        return self._vector

    def set_labels(self, labels: dict[tuple[str, str], str]) -> None:
        self._labels = labels

    def set_vector(self, vector: Vector | None) -> None:
        self.beginResetModel()
        self._vector = vector
        self._rows = outcomes(vector) if vector is not None else []
        self.endResetModel()

    def refresh(self) -> None:
        """Re-derive outcomes after an override; the fields themselves never change."""
        if self._vector is None:
            return
        self._rows = outcomes(self._vector)
        if self._rows:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._rows) - 1, len(COLUMNS) - 1)
            )

    def outcome(self, row: int) -> FieldOutcome:
        return self._rows[row]

    def name(self, row: int) -> str:
        return self._rows[row].name

    def text_pair(self, row: int) -> tuple[str, str] | None:
        """Both sides' text when the field holds differing text (not references): what the
        grid marks word by word."""
        if not 0 <= row < len(self._rows):
            return None
        o = self._rows[row]
        if not o.differs or o.reference is not None:
            return None
        if isinstance(o.this, str) and isinstance(o.other, str):
            return o.this, o.other
        return None

    def value_editable(self, row: int) -> bool:
        """The Result cell takes a typed value in an update (docs/semantics.md, Overrides)."""
        vector = self._vector
        return vector is not None and vector.method is Method.UPDATE and 0 <= row < len(self._rows)

    def editable(self, row: int) -> bool:
        vector = self._vector
        return vector is not None and vector.method is Method.UPDATE and self._rows[row].differs

    def conflict_rows(self) -> list[int]:
        return [r for r, o in enumerate(self._rows) if o.differs]

    def first_unresolved_row(self) -> int | None:
        """The first differing field the operator has not decided yet (no override of
        the field or of the vector's default), or None: where keyboard resolving goes."""
        vector = self._vector
        if vector is None or vector.override_default is not None:
            return None
        return next(
            (
                r
                for r, o in enumerate(self._rows)
                if o.differs and o.name not in vector.override_fields
            ),
            None,
        )

    def text(self, outcome: FieldOutcome, value: Any) -> str:
        if value is None:
            return EMPTY
        if outcome.reference is not None:
            label = self._labels.get((outcome.reference, value))
            return f"{label} ({value})" if label else str(value)
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def resolution_text(self, outcome: FieldOutcome) -> str:
        if self._vector is None or self._vector.method is not Method.UPDATE:
            return "—"
        if outcome.edited:
            return "edited"
        text = outcome.resolution.value
        if outcome.resolution is Resolution.NEWER and outcome.differs:
            text += " → tie, THIS kept" if outcome.tie else f" → {outcome.winner.value}"
        return text

    # ----- Qt model
    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

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
            return COLUMN_TIPS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == RESOLUTION and self.editable(index.row()):
            flags |= Qt.ItemFlag.ItemIsEditable
        if index.column() == RESULT and self.value_editable(index.row()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        handler = self._handlers.get(role)
        if handler is None or not index.isValid():
            return None
        return handler(self, self._rows[index.row()], index.column())

    def _display(self, o: FieldOutcome, column: int) -> Any:
        if column == FIELD:
            return o.name
        if column == THIS:
            creating = self._vector is not None and self._vector.method is Method.CREATE
            return "(new record)" if creating else self.text(o, o.this)
        if column == OTHER:
            return self.text(o, o.other)
        if column == RESOLUTION:
            return self.resolution_text(o)
        result = self.text(o, o.result)
        if o.edited:
            result = f"✎ {result}"
        return f"{result} — blocked" if o.blocked else result

    def _edit(self, o: FieldOutcome, column: int) -> Any:
        if column == RESULT:
            return text_for_edit(o.result)
        return o.resolution.value if column == RESOLUTION else None

    def _background(self, o: FieldOutcome, column: int) -> Any:
        if not o.differs or column not in (THIS, OTHER):
            return None
        side = Side.THIS if column == THIS else Side.OTHER
        return self._theme.winner if o.winner is side else self._theme.differ

    def _foreground(self, o: FieldOutcome, column: int) -> Any:
        if column == RESULT and o.blocked:
            return self._theme.blocked
        if column in (THIS, OTHER) and (o.this if column == THIS else o.other) is None:
            return self._theme.muted
        return None

    def _decoration(self, o: FieldOutcome, column: int) -> Any:
        if column == FIELD and o.conflict:
            return self._theme.conflict_icon
        if column == RESULT and o.blocked:
            return self._theme.blocked_icon
        if column == RESOLUTION and o.tie:
            return self._theme.tie_icon
        if o.differs and column in (THIS, OTHER):
            side = Side.THIS if column == THIS else Side.OTHER
            return self._theme.winner_icon if o.winner is side else None
        return None

    def _font(self, o: FieldOutcome, column: int) -> Any:
        vector = self._vector
        if column == RESOLUTION and vector is not None and o.name in vector.override_fields:
            return self._theme.bold
        if column == FIELD and o.differs:
            return self._theme.bold
        if column == RESULT and o.edited:
            return self._theme.bold
        return None

    def _tooltip(self, o: FieldOutcome, column: int) -> Any:
        if o.edited and column in (RESOLUTION, RESULT):
            return "A value you typed (F2 to change it; T/O/N goes back to a side)"
        if o.blocked:
            return f"blocked reference: {o.blocked}"
        if o.tie and column == RESOLUTION:
            return "NEWER cannot decide (equal or missing modified_on): THIS is kept"
        if column == RESOLUTION and o.differs:
            return "T = THIS, O = OTHER, N = NEWER"
        if column in (THIS, OTHER, RESULT):
            return self._display(o, column)
        return None

    _handlers: dict[int, Callable[[FieldModel, FieldOutcome, int], Any]] = {
        Qt.ItemDataRole.DisplayRole: _display,
        Qt.ItemDataRole.EditRole: _edit,
        Qt.ItemDataRole.BackgroundRole: _background,
        Qt.ItemDataRole.ForegroundRole: _foreground,
        Qt.ItemDataRole.DecorationRole: _decoration,
        Qt.ItemDataRole.FontRole: _font,
        Qt.ItemDataRole.ToolTipRole: _tooltip,
    }


class ResolutionDelegate(QStyledItemDelegate):
    """A combo box for the Resolution column; the choice goes to `choose(row, res)`."""

    def __init__(self, choose: Callable[[int, Resolution], None], parent: Any = None) -> None:
        super().__init__(parent)
        self._choose = choose

    def createEditor(self, parent: QWidget, option: Any, index: Index) -> QWidget:
        combo = QComboBox(parent)
        combo.setObjectName("resolution_editor")
        for res in Resolution:
            combo.addItem(res.value, res)
        combo.activated.connect(lambda _=0, c=combo: self._commit(c))
        return combo

    def _commit(self, combo: QComboBox) -> None:
        self.commitData.emit(combo)
        self.closeEditor.emit(combo, QStyledItemDelegate.EndEditHint.NoHint)

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(0, editor.findText(index.data(Qt.ItemDataRole.EditRole))))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        self._choose(index.row(), Resolution(editor.currentData()))


class ValueDelegate(QStyledItemDelegate):
    """A line editor for the Result cell; the text goes to `typed(row, text)`, which checks
    it against THIS's column and turns it into an undo command (never `setData`)."""

    def __init__(self, typed: Callable[[int, str], None], parent: Any = None) -> None:
        super().__init__(parent)
        self._typed = typed

    def createEditor(self, parent: QWidget, option: Any, index: Index) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("value_editor")
        editor.setPlaceholderText("empty = no value (NULL)")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        editor.setText(index.data(Qt.ItemDataRole.EditRole) or "")
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QLineEdit)
        if editor.isModified():
            self._typed(index.row(), editor.text())
