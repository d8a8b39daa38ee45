"""Every layout option of the core, applied live."""

from __future__ import annotations

import dataclasses
import math

from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
)

from padviz.core.batch import MAX_LENGTH_CAP
from padviz.core.errors import PadvizError
from padviz.core.options import ORDERS, SIDES, LayoutOptions
from padviz.gui.explorer.widgets import ErrorLabel
from padviz.gui.state import AppState

MAX_BUCKETS = 64
MAX_MULTIPLE = 512


def _value_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


class OptionsPanel(QGroupBox):
    """batch_first, padding value and side, pad_to_multiple_of, max length, order (given /
    sorted / bucketed with the bucket count) and enforce_sorted."""

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__("Layout options", parent)
        self.setObjectName("optionsPanel")
        self.state = state
        grid = QGridLayout(self)

        self.batch_first = QCheckBox("batch_first")
        self.batch_first.setObjectName("batchFirstCheck")
        self.batch_first.setToolTip("B x T instead of torch's default T x B")
        self.enforce_sorted = QCheckBox("enforce_sorted")
        self.enforce_sorted.setObjectName("enforceSortedCheck")
        self.enforce_sorted.setToolTip(
            "pack_padded_sequence(enforce_sorted=...): True (torch's default) requires the "
            "lengths in decreasing order"
        )
        grid.addWidget(self.batch_first, 0, 0, 1, 2)
        grid.addWidget(self.enforce_sorted, 0, 2, 1, 2)

        self.padding_side = QComboBox()
        self.padding_side.setObjectName("paddingSideCombo")
        self.padding_side.addItems(SIDES)
        self.padding_value = QLineEdit()
        self.padding_value.setObjectName("paddingValueEdit")
        self.padding_value.setToolTip("pad_sequence(padding_value=...); Return applies it")
        grid.addWidget(QLabel("padding side"), 1, 0)
        grid.addWidget(self.padding_side, 1, 1)
        grid.addWidget(QLabel("padding value"), 1, 2)
        grid.addWidget(self.padding_value, 1, 3)
        self.padding_value_error = ErrorLabel("paddingValueError")
        grid.addWidget(self.padding_value_error, 2, 0, 1, 4)

        self.multiple = QSpinBox()
        self.multiple.setObjectName("padMultipleSpin")
        self.multiple.setRange(0, MAX_MULTIPLE)
        self.multiple.setSpecialValueText("off")
        self.multiple.setToolTip("pad T up to a multiple of this (0: off)")
        self.max_length = QSpinBox()
        self.max_length.setObjectName("maxLengthSpin")
        self.max_length.setRange(0, MAX_LENGTH_CAP)
        self.max_length.setSpecialValueText("none")
        self.max_length.setToolTip("truncate sequences to this many tokens (0: none)")
        grid.addWidget(QLabel("pad to multiple of"), 3, 0)
        grid.addWidget(self.multiple, 3, 1)
        grid.addWidget(QLabel("max length"), 3, 2)
        grid.addWidget(self.max_length, 3, 3)

        self.order = QComboBox()
        self.order.setObjectName("orderCombo")
        self.order.addItems(ORDERS)
        self.order.setToolTip("given order, sorted by length (descending), or length buckets")
        self.buckets = QSpinBox()
        self.buckets.setObjectName("bucketsSpin")
        self.buckets.setRange(1, MAX_BUCKETS)
        self.buckets.setToolTip("number of length buckets (order: bucketed)")
        grid.addWidget(QLabel("order"), 4, 0)
        grid.addWidget(self.order, 4, 1)
        grid.addWidget(QLabel("buckets"), 4, 2)
        grid.addWidget(self.buckets, 4, 3)
        self.error = ErrorLabel("optionsError")
        grid.addWidget(self.error, 5, 0, 1, 4)

        for box in (self.batch_first, self.enforce_sorted):
            box.toggled.connect(self.apply)
        for combo in (self.padding_side, self.order):
            combo.currentIndexChanged.connect(self.apply)
        for spin in (self.multiple, self.max_length, self.buckets):
            spin.valueChanged.connect(self.apply)
        self.padding_value.editingFinished.connect(self.apply)
        state.changed.connect(self.show_options)
        self.show_options()

    def show_options(self) -> None:
        """Show the state's options (set by a lesson, a file, ...) without applying them back."""
        o = self.state.options
        widgets = (
            self.batch_first,
            self.enforce_sorted,
            self.padding_side,
            self.padding_value,
            self.multiple,
            self.max_length,
            self.order,
            self.buckets,
        )
        blockers = [QSignalBlocker(w) for w in widgets]
        self.batch_first.setChecked(o.batch_first)
        self.enforce_sorted.setChecked(o.enforce_sorted)
        self.padding_side.setCurrentText(o.padding_side)
        if not self.padding_value.hasFocus() or self.padding_value_error.isHidden():
            self.padding_value.setText(_value_text(o.padding_value))
        self.multiple.setValue(o.pad_to_multiple_of or 0)
        self.max_length.setValue(o.max_length or 0)
        self.order.setCurrentText(o.order)
        self.buckets.setValue(o.buckets)
        self.buckets.setEnabled(o.order == "bucketed")
        del blockers

    def _padding_value(self) -> float | None:
        text = self.padding_value.text().strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            what = "empty" if not text else repr(text)
            self.padding_value_error.show_error(
                f"padding value {what} is not a number: type one such as 0 or -1"
            )
            return None
        self.padding_value_error.clear_error()
        return int(value) if value.is_integer() else value

    def options(self) -> LayoutOptions | None:
        """The options the widgets show, or None (with a message) when one is refused."""
        value = self._padding_value()
        if value is None:
            return None
        return dataclasses.replace(
            self.state.options,
            batch_first=self.batch_first.isChecked(),
            enforce_sorted=self.enforce_sorted.isChecked(),
            padding_side=self.padding_side.currentText(),
            padding_value=value,
            pad_to_multiple_of=self.multiple.value() or None,
            max_length=self.max_length.value() or None,
            order=self.order.currentText(),
            buckets=self.buckets.value(),
        )

    def apply(self) -> None:
        self.buckets.setEnabled(self.order.currentText() == "bucketed")
        try:
            options = self.options()
        except PadvizError as exc:
            self.error.show_error(str(exc))
            return
        if options is None:
            return
        self.error.clear_error()
        self.state.set_options(options)
