"""The Bench tab's plot: time per pool against the pad ratio, its text following the app font.

In presentation the plot is the slide, read from the back of the room: its ticks, axis labels
and legend are then larger than the tab's other text (PRESENTATION_TEXT_SCALE)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QEvent
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

PRESENTATION_TEXT_SCALE = 1.25


class BenchPlot(pg.PlotWidget):
    """A PlotWidget that sizes its own text (the lecture leaves plots with `apply_font`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, enableMenu=False)
        self.setObjectName("benchPlot")
        self._presenting = False

    def set_presentation(self, on: bool) -> None:
        self._presenting = on
        self.apply_font()

    def text_font(self) -> QFont:
        """The font of the ticks, axis labels and legend."""
        font = QFont(self.font())
        size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        font.setPointSizeF(size * (PRESENTATION_TEXT_SCALE if self._presenting else 1.0))
        return font

    def apply_font(self) -> None:
        font = self.text_font()
        item = self.getPlotItem()
        for side in ("left", "bottom"):
            axis = item.getAxis(side)
            axis.setStyle(tickFont=font)
            axis.label.setFont(font)
            axis.resizeEvent()  # room for the larger text
        legend = item.legend
        if legend is not None:
            size = f"{font.pointSizeF():.1f}pt"
            legend.setLabelTextSize(size)
            for _sample, label in legend.items:
                label.setText(label.text, size=size)  # LabelItem draws a new size on setText

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.apply_font()
