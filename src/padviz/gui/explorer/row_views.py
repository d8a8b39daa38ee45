"""The row-packing views (transformers): the batch packed into rows, and one row's attention
mask, with the controls that choose how. They draw padviz.core.row_views grids; the controls
only change the state's layout options."""

from __future__ import annotations

import dataclasses
import html
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from padviz.core.limits import MAX_LENGTH
from padviz.core.options import ROW_ALGORITHMS, ROW_MASKS, ROW_OVERFLOWS
from padviz.core.views import LEAK  # not core.row_views: that imports torch (core.layout)
from padviz.gui.explorer.heatmap import HeatmapView, ShrinkingLabel
from padviz.gui.state import AppState
from padviz.gui.theme import Theme, mask_lut, rgba

if TYPE_CHECKING:
    from padviz.core.row_views import RowMaskGrid, RowsGrid

MASK_NAMES = {
    "documents": "block-diagonal + causal",
    "causal": "causal only (no document mask)",
    "padded": "padded: key padding + causal",
}
MAX_MASK_ROW = 9999


class RowPackingView(HeatmapView):
    """rowPackingView: one line per packed row, each slot's token coloured by its sequence,
    the position id under it, row padding in the pad colour; under it each row's sequences,
    cu_seqlens and position ids."""

    def __init__(self, parent=None) -> None:
        super().__init__("rows", parent)
        self.setObjectName("rowPackingView")
        self.summary = ShrinkingLabel(justify="left")
        self.addItem(self.summary, row=2, col=0, colspan=2)
        self._summary_look: tuple[str, float, str] | None = None
        self._summary_wanted = True
        self.summary_shown = True

    def show_summary(self, on: bool) -> None:
        """The per-row lines under the rows (in presentation the caption says them and the
        rows get the room); why nothing was packed is always shown."""
        self._summary_wanted = on
        self._place_summary()

    def _place_summary(self) -> None:
        on = self._summary_wanted or (self.grid is not None and self.grid.codes.size == 0)
        if on != self.summary_shown:
            self.summary_shown = on
            if on:
                self.addItem(self.summary, row=2, col=0, colspan=2)
            else:
                self.ci.removeItem(self.summary)

    def set_grid(self, grid: RowsGrid) -> None:
        super().set_grid(grid)
        _show_axis_values(self, grid.codes.size > 0)
        self._set_summary(html.escape(grid.summary()).replace("\n", "<br>"))
        self._place_summary()

    def _set_summary(self, text: str) -> None:
        look = (text, self._label_pt() * 0.9, self.theme.foreground)
        if look != self._summary_look:
            self._summary_look = look
            self.summary.setText(text, size=f"{look[1]:.1f}pt", color=look[2])

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        if getattr(self, "_summary_look", None) is not None:
            self._set_summary(self._summary_look[0])


class RowMaskView(HeatmapView):
    """rowMaskView: the attention mask of one row, allowed (mask colour) or not (pad colour),
    with what only a missing document mask allows in the error colour."""

    def __init__(self, parent=None) -> None:
        super().__init__("row_mask", parent)
        self.setObjectName("rowMaskView")

    def lut(self, theme: Theme) -> np.ndarray:
        lut = mask_lut(theme)
        lut[LEAK] = rgba(theme.error)
        return lut

    def set_grid(self, grid: RowMaskGrid) -> None:
        super().set_grid(grid)
        _show_axis_values(self, grid.codes.size > 0)


class RowControls(QWidget):
    """rowLengthSpin (0: auto), rowAlgorithmCombo, rowOverflowCombo, rowMaskCombo and
    maskRowSpin: the row-packing layout options, applied live."""

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("rowControls")
        self.state = state
        self.row_length = QSpinBox()
        self.row_length.setObjectName("rowLengthSpin")
        self.row_length.setRange(0, MAX_LENGTH)
        self.row_length.setSpecialValueText("auto")
        self.row_length.setToolTip("slots per row (auto: the longest sequence, up to a power of 2)")
        self.algorithm = _combo("rowAlgorithmCombo", ROW_ALGORITHMS)
        self.algorithm.setToolTip("greedy: in the given order; ffd: first-fit decreasing")
        self.overflow = _combo("rowOverflowCombo", ROW_OVERFLOWS)
        self.overflow.setToolTip("a sequence longer than a row: refuse it, cut it, or split it")
        self.mask = QComboBox()
        self.mask.setObjectName("rowMaskCombo")
        for name in ROW_MASKS:
            self.mask.addItem(MASK_NAMES[name], name)
        self.mask.setToolTip("the attention mask drawn on the right")
        self.mask_row = QSpinBox()
        self.mask_row.setObjectName("maskRowSpin")
        self.mask_row.setRange(0, MAX_MASK_ROW)
        self.mask_row.setToolTip("the row whose mask is drawn (a sequence of the padded batch)")
        self.mask_row_label = QLabel("row")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            ("row length", self.row_length),
            ("packing", self.algorithm),
            ("too long", self.overflow),
            ("mask", self.mask),
        ):
            layout.addWidget(QLabel(label))
            layout.addWidget(widget)
        layout.addWidget(self.mask_row_label)
        layout.addWidget(self.mask_row)
        layout.addStretch(1)
        self.row_length.valueChanged.connect(self.apply)
        self.mask_row.valueChanged.connect(self.apply)
        for combo in (self.algorithm, self.overflow, self.mask):
            combo.currentIndexChanged.connect(self.apply)
        state.changed.connect(self.show_options)
        self.show_options()

    def show_options(self) -> None:
        o = self.state.options
        widgets = (self.row_length, self.algorithm, self.overflow, self.mask, self.mask_row)
        blockers = [QSignalBlocker(w) for w in widgets]
        self.row_length.setValue(o.row_length or 0)
        self.algorithm.setCurrentText(o.row_algorithm)
        self.overflow.setCurrentText(o.row_overflow)
        self.mask.setCurrentIndex(ROW_MASKS.index(o.row_mask))
        self.mask_row.setValue(o.mask_row)
        self.mask_row_label.setText("sequence" if o.row_mask == "padded" else "row")
        del blockers

    def apply(self) -> None:
        options = dataclasses.replace(
            self.state.options,
            row_length=self.row_length.value() or None,
            row_algorithm=self.algorithm.currentText(),
            row_overflow=self.overflow.currentText(),
            row_mask=self.mask.currentData(),
            mask_row=self.mask_row.value(),
        )
        self.state.set_options(options)  # its `changed` shows them, the mask row's word too


class RowPackingSection(QWidget):
    """rowPackingSection: the controls over the rows view and the mask view side by side."""

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("rowPackingSection")
        self.controls = RowControls(state)
        self.rows_view = RowPackingView()
        self.mask_view = RowMaskView()
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.rows_view)
        self.splitter.addWidget(self.mask_view)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.controls)
        layout.addWidget(self.splitter, 1)


def _show_axis_values(view: HeatmapView, on: bool) -> None:
    """An empty grid (nothing packed) shows no numbered axes."""
    for side in ("left", "bottom"):
        view.plot.getAxis(side).setStyle(showValues=on)


def _combo(name: str, items: tuple[str, ...]) -> QComboBox:
    combo = QComboBox()
    combo.setObjectName(name)
    combo.addItems(items)
    return combo
