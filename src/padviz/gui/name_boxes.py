"""Combo boxes that list long names (devices, corpus files) without widening the window.

A device's name is its CPU's or GPU's whole product name ("cpu — 13th Gen Intel(R) Core(TM)
i7-1365U"), a remote's longer still, and a settings row is as wide as its boxes: one long name
pushed the window's minimum width past a 1024-pixel screen. A name box is at least `chars`
characters wide, grows into spare room up to its longest name and no further; its list always
shows the names whole.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QComboBox, QSizePolicy, QStyle, QStyleOptionComboBox


class NameBox(QObject):
    """Sizes `combo` as the module says; kept by the combo (its child)."""

    def __init__(self, combo: QComboBox, chars: int) -> None:
        super().__init__(combo)
        self.combo = combo
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(chars)
        policy = combo.sizePolicy()
        policy.setHorizontalPolicy(QSizePolicy.Policy.Expanding)
        combo.setSizePolicy(policy)
        model = combo.model()
        model.rowsInserted.connect(self.fit)
        model.rowsRemoved.connect(self.fit)
        model.dataChanged.connect(self.fit)
        combo.installEventFilter(self)  # a new font (zoom, presentation) changes the widths
        self.fit()

    def fit(self) -> None:
        """Let the box grow as wide as its longest name needs."""
        combo = self.combo
        metrics = combo.fontMetrics()
        longest = max(
            (metrics.horizontalAdvance(combo.itemText(i)) for i in range(combo.count())), default=0
        )
        option = QStyleOptionComboBox()
        combo.initStyleOption(option)
        size = combo.style().sizeFromContents(
            QStyle.ContentsType.CT_ComboBox, option, QSize(longest, metrics.height()), combo
        )
        combo.setMaximumWidth(max(size.width(), combo.minimumSizeHint().width()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()
        return False
