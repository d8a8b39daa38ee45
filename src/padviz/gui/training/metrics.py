"""The numbers beside the plots: per run the latest step, losses, real-token accuracy, speed and
device memory, as the worker reported them (nothing is computed here, only formatted)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QBrush, QResizeEvent
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from padviz.core.curves import Curves
from padviz.gui.theme import qcolor

COLUMNS = (
    ("run", None, ""),
    ("step", "step", "{:.0f}"),
    ("masked loss", "masked_loss", "{:.4f}"),
    ("unmasked loss", "unmasked_loss", "{:.4f}"),
    ("accuracy", "accuracy", "{:.1%}"),
    ("steps/s", None, "{:.0f}"),
    ("tokens/s", "tokens_per_s", "{:,.0f}"),
    ("padding", "pad_share", "{:.0%}"),
    ("step ms", "step_ms", "{:.1f}"),
    ("memory MB", "memory_mb", "{:.0f}"),
)
# What presentation mode leaves out, so the losses, speed and padding keep readable columns
COMPACT_HIDDEN = ("steps/s", "step ms", "memory MB")


class MetricsTable(QTableWidget):
    """One row per run; `show_runs` sets the rows, `refresh` writes the latest values."""

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setObjectName("metricsTable")
        self.setHorizontalHeaderLabels([name for name, _, _ in COLUMNS])
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Widths set by _fit_columns: equal shares (Stretch) cut "unmasked loss" at 1280 px.
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setToolTip(
            "accuracy: share of real tokens (or sequences) predicted right; steps/s: wall-clock "
            "rate of the run; tokens/s (real tokens only) and step ms: one step of the run "
            "alone; padding: the share of the token slots the step computed that were padding "
            "(what packing saves); memory: on the device (resident memory of the worker on the "
            "CPU)"
        )

    def set_compact(self, on: bool) -> None:
        """Hide the COMPACT_HIDDEN columns (presentation) or show every column."""
        for col, (name, _, _) in enumerate(COLUMNS):
            self.setColumnHidden(col, on and name in COMPACT_HIDDEN)
        self._fit_columns()

    def show_runs(self, labels: Sequence[str], colors: Sequence[str]) -> None:
        self.setRowCount(len(labels))
        for row, (label, color) in enumerate(zip(labels, colors, strict=False)):
            item = QTableWidgetItem(f"■ {label}")
            item.setForeground(QBrush(qcolor(color)))
            self.setItem(row, 0, item)
            for col in range(1, len(COLUMNS)):
                self.setItem(row, col, QTableWidgetItem("–"))
        self.fit_height()
        self._fit_columns()

    def refresh(self, curves: Sequence[Curves], steps_per_s: Sequence[float]) -> None:
        longer = False  # a number with more digits may need a wider column
        for row, run_curves in enumerate(curves):
            for col, (_, field, fmt) in enumerate(COLUMNS[1:], start=1):
                value = steps_per_s[row] if field is None else run_curves.last(field)
                text = "–" if math.isnan(value) or not len(run_curves) else fmt.format(value)
                item = self.item(row, col)
                if item is not None and item.text() != text:
                    longer = longer or len(text) > len(item.text())
                    item.setText(text)
        if longer:
            self._fit_columns()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self.resizeRowsToContents()
            self._fit_columns()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Every shown column as wide as its title and cells need, plus an equal share of the
        width left over; narrower than that the table scrolls, it never cuts a title."""
        header = self.horizontalHeader()
        shown = [c for c in range(self.columnCount()) if not self.isColumnHidden(c)]
        if not shown:
            return
        needs = [max(header.sectionSizeHint(c), self.sizeHintForColumn(c)) for c in shown]
        spare = max(self.viewport().width() - sum(needs), 0) // len(shown)
        for col, need in zip(shown, needs, strict=True):
            if header.sectionSize(col) != need + spare:
                header.resizeSection(col, need + spare)
        self.fit_height()

    def fit_height(self) -> None:
        """Exactly tall enough for its rows, so it takes no space from the plots."""
        height = self.horizontalHeader().height() + 2 * self.frameWidth()
        height += sum(self.rowHeight(r) for r in range(self.rowCount()))
        if self.horizontalHeader().length() > self.viewport().width():  # it scrolls
            height += self.horizontalScrollBar().sizeHint().height()
        if height != self.height():
            self.setFixedHeight(height)
