"""Making a batch by hand: presets, the lengths line, the batch table and the lengths chart."""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from padviz.core.batch import Batch, BatchError, load_preset, parse_lengths, preset_names
from padviz.core.editing import (
    as_edited,
    sequence_text,
    with_lengths_allowing_zero,
    with_tokens,
)
from padviz.core.errors import PadvizError
from padviz.gui.explorer.lengths_chart import LengthsChart
from padviz.gui.explorer.widgets import ErrorLabel
from padviz.gui.state import AppState

TOKENS_SHOWN = 24  # tokens shown per table row; editing shows them all

AnyIndex = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class BatchTableModel(QAbstractTableModel):
    """One row per sequence: its length and its tokens (words where there is a vocabulary),
    both editable. Edits become new batches through `batchEdited`; refused edits through
    `editRefused(message)`."""

    batchEdited = Signal(object)
    editRefused = Signal(str)
    COLUMNS = ("length", "tokens")

    def __init__(self, batch: Batch) -> None:
        super().__init__()
        self.batch = batch

    def set_batch(self, batch: Batch) -> None:
        """Show a new batch; with as many rows as before, only the rows whose sequence changed
        are redrawn (an edited batch shares the unchanged sequences with the old one)."""
        old = self.batch
        if len(batch.sequences) != len(old.sequences):
            self.beginResetModel()
            self.batch = batch
            self.endResetModel()
            return
        self.batch = batch
        changed = [
            i
            for i, (a, b) in enumerate(zip(old.sequences, batch.sequences, strict=False))
            if a is not b
        ]
        if changed:
            last = len(self.COLUMNS) - 1
            self.dataChanged.emit(self.index(changed[0], 0), self.index(changed[-1], last))

    def rowCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.batch.sequences)

    def columnCount(self, parent: AnyIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return str(section)

    def data(self, index: AnyIndex, role: int = 0):
        if not index.isValid():
            return None
        i, col = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return str(len(self.batch.sequences[i]))
            return sequence_text(self.batch, i, TOKENS_SHOWN)
        if role == Qt.ItemDataRole.EditRole:
            if col == 0:
                return str(len(self.batch.sequences[i]))
            return sequence_text(self.batch, i)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: AnyIndex) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: AnyIndex, value, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        i = index.row()
        try:
            if index.column() == 0:
                lengths = parse_lengths(str(value))
                if len(lengths) != 1:
                    raise BatchError(f"type one length for the sequence, not {str(value)!r}")
                new = self.batch.with_sequence_length(i, lengths[0])
            else:
                new = with_tokens(self.batch, i, str(value))
        except PadvizError as exc:
            self.editRefused.emit(f"sequence {i}: {exc}")
            return False
        self.batchEdited.emit(new)
        return True


class BatchEditor(QWidget):
    """Presets, a lengths line ("5,3,7", Return applies), the table with add / remove /
    duplicate, and a bar chart whose bars drag to new lengths."""

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        layout = QVBoxLayout(self)

        row = QHBoxLayout()
        row.addWidget(QLabel("Preset:"))
        self.preset_combo = QComboBox()
        self.preset_combo.setObjectName("presetCombo")
        self.preset_combo.addItem("choose a preset…")
        self.preset_combo.addItems(preset_names())
        self.preset_combo.activated.connect(self._preset_chosen)
        row.addWidget(self.preset_combo, 1)
        layout.addLayout(row)

        row = QHBoxLayout()
        label = QLabel("&Lengths:")
        self.lengths_edit = QLineEdit()
        self.lengths_edit.setObjectName("lengthsEdit")
        self.lengths_edit.setPlaceholderText("e.g. 5,3,7")
        self.lengths_edit.setToolTip("Sequence lengths separated by commas; Return applies them")
        label.setBuddy(self.lengths_edit)
        self.lengths_edit.returnPressed.connect(self.apply_lengths)
        row.addWidget(label)
        row.addWidget(self.lengths_edit, 1)
        layout.addLayout(row)
        self.lengths_error = ErrorLabel("lengthsError")
        layout.addWidget(self.lengths_error)

        self.model = BatchTableModel(state.batch)
        self.model.batchEdited.connect(self._edited)
        self.model.editRefused.connect(self._refused)
        self.table = QTableView()
        self.table.setObjectName("batchTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        # fixed sizes: sizing to the contents would read every row on every edit
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        header.setStretchLastSection(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._size_table()
        layout.addWidget(self.table, 3)
        self.table_error = ErrorLabel("tableError")
        layout.addWidget(self.table_error)

        row = QHBoxLayout()
        self.add_button = QPushButton("&Add")
        self.add_button.setObjectName("addSequenceButton")
        self.add_button.setToolTip("Add a sequence as long as the selected one")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setObjectName("removeSequenceButton")
        self.duplicate_button = QPushButton("&Duplicate")
        self.duplicate_button.setObjectName("duplicateSequenceButton")
        for button, action in (
            (self.add_button, self.add_sequence),
            (self.remove_button, self.remove_sequence),
            (self.duplicate_button, self.duplicate_sequence),
        ):
            button.clicked.connect(action)
            row.addWidget(button)
        layout.addLayout(row)

        self.chart = LengthsChart()
        self.chart.lengthDragged.connect(self._dragged)
        layout.addWidget(self.chart, 2)

        self._shown: Batch | None = None
        state.changed.connect(self.show_batch)
        self.show_batch()

    def _size_table(self) -> None:
        fm = self.fontMetrics()
        self.table.horizontalHeader().resizeSection(0, fm.horizontalAdvance("length") + 16)
        self.table.verticalHeader().setDefaultSectionSize(fm.height() + 6)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._size_table()  # follow the global zoom
        super().changeEvent(event)

    # -- showing ---------------------------------------------------------------------------
    def show_batch(self) -> None:
        batch = self.state.batch
        if batch is self._shown:  # only the options changed
            return
        self._shown = batch
        # the preset shown, as long as the batch is that preset (an edit renames it)
        self.preset_combo.setCurrentIndex(max(self.preset_combo.findText(batch.name), 0))
        self.lengths_edit.setText(",".join(map(str, batch.lengths)))
        self.lengths_edit.setCursorPosition(0)
        self.model.set_batch(batch)
        self.chart.set_lengths(batch.lengths)

    def selected_row(self) -> int:
        """The selected sequence, or the last one when none is selected."""
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else len(self.state.batch.sequences) - 1

    # -- editing ---------------------------------------------------------------------------
    def apply_lengths(self) -> None:
        """Apply the lengths line; bad input is refused with a message under it. A length of
        0 is taken, so the views can show the zero-length pitfall."""
        try:
            lengths = parse_lengths(self.lengths_edit.text(), allow_zero_length=True)
            batch = with_lengths_allowing_zero(self.state.batch, lengths)
        except BatchError as exc:
            self.lengths_error.show_error(str(exc))
            return
        self.lengths_error.clear_error()
        self._edited(batch)

    def add_sequence(self) -> None:
        i = self.selected_row()
        self._try(lambda b: b.add_sequence(b.lengths[i]))
        self.table.selectRow(len(self.state.batch.sequences) - 1)

    def remove_sequence(self) -> None:
        i = self.selected_row()
        self._try(lambda b: b.remove(i))

    def duplicate_sequence(self) -> None:
        i = self.selected_row()
        if self._try(lambda b: b.duplicate(i)):
            self.table.selectRow(i + 1)

    def _try(self, edit) -> bool:
        try:
            batch = edit(self.state.batch)
        except BatchError as exc:
            self.table_error.show_error(str(exc))
            return False
        self._edited(batch)
        return True

    def _dragged(self, i: int, n: int) -> None:
        if 0 <= i < len(self.state.batch.sequences) and self.state.batch.lengths[i] != n:
            self._try(lambda b: b.with_sequence_length(i, n))

    def _edited(self, batch: Batch) -> None:
        self.table_error.clear_error()
        self.lengths_error.clear_error()
        self.state.set_batch(as_edited(batch))

    def _refused(self, message: str) -> None:
        self.table_error.show_error(message)

    def _preset_chosen(self, index: int) -> None:
        if index <= 0:
            return
        self.load_preset(self.preset_combo.itemText(index))
        self.preset_combo.setCurrentIndex(max(self.preset_combo.findText(self.state.batch.name), 0))

    def load_preset(self, name: str) -> None:
        try:
            batch = load_preset(name)
        except BatchError as exc:
            self.table_error.show_error(str(exc))
            return
        self.state.set_path(None)
        self.state.set_batch(batch, edited=False)
