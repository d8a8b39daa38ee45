"""A bar chart of the sequence lengths whose bars can be dragged (or clicked) to a new length."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal

from padviz.core.batch import MAX_LENGTH_CAP
from padviz.gui.explorer.axes import TickAxis, nice_step
from padviz.gui.explorer.heatmap import scaled_font
from padviz.gui.theme import Theme, current_theme, theme_notifier

HEADROOM_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)


@lru_cache(maxsize=4)
def _index_ticks(n: int) -> list[tuple[float, str]]:
    return [(float(i), str(i)) for i in range(n)]


class _DragBox(pg.ViewBox):
    """A view box that turns a left-button drag or click into (bar index, new length)."""

    barDragged = Signal(int, int)

    def __init__(self) -> None:
        super().__init__(enableMenu=False)
        self.setMouseEnabled(x=False, y=False)
        self.count = 0
        self._bar: int | None = None

    @property
    def dragging(self) -> bool:
        return self._bar is not None

    def _bar_at(self, pos: QPointF) -> int | None:
        x = self.mapSceneToView(pos).x()
        i = int(np.floor(x + 0.5))
        return i if 0 <= i < self.count else None

    def _length_at(self, pos: QPointF) -> int:
        y = self.mapSceneToView(pos).y()
        return int(min(max(round(y), 1), MAX_LENGTH_CAP))

    def mouseDragEvent(self, ev, axis=None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        if ev.isStart():
            self._bar = self._bar_at(ev.buttonDownScenePos())
        if self._bar is not None:
            self.barDragged.emit(self._bar, self._length_at(ev.scenePos()))
        if ev.isFinish():
            self._bar = None

    def mouseClickEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        bar = self._bar_at(ev.scenePos())
        if bar is not None:
            ev.accept()
            self.barDragged.emit(bar, self._length_at(ev.scenePos()))


class LengthsChart(pg.PlotWidget):
    """Bars of the lengths in batch order. Emits `lengthDragged(sequence, length)`."""

    lengthDragged = Signal(int, int)

    def __init__(self, parent=None) -> None:
        box = _DragBox()
        axes = {"bottom": TickAxis("bottom"), "left": TickAxis("left")}
        super().__init__(parent, viewBox=box, axisItems=axes)
        self.box = box
        self.setObjectName("lengthsChart")
        self.setToolTip("Drag a bar up or down (or click) to change that sequence's length")
        self.plotItem.hideButtons()
        self.plotItem.setLabel("bottom", "sequence")
        self.plotItem.setLabel("left", "length")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.addItem(self.bars)
        self.box.barDragged.connect(self.lengthDragged)
        self._lengths: list[int] = []
        theme_notifier().themeChanged.connect(self.apply_theme)
        self.apply_theme(current_theme())
        self.setMinimumHeight(110)

    def set_lengths(self, lengths: Sequence[int]) -> None:
        lengths = list(lengths)
        if lengths == self._lengths:
            return
        self._lengths = lengths
        self.box.count = len(lengths)
        self.bars.setOpts(x=np.arange(len(lengths)), height=lengths, width=0.8)
        self.plotItem.getAxis("bottom").set_named_ticks(_index_ticks(len(lengths)))
        # Headroom above the longest bar, so it can be dragged longer, rounded to 1-2-5 steps so
        # small edits keep the axis as it is. While a drag is on, the range changes only when
        # the bar reaches the top, so the value under the mouse stays put.
        longest = max(lengths, default=1)
        top = nice_step(longest * 1.2 + 1, HEADROOM_STEPS)
        (x0, x1), (_, y1) = self.box.viewRange()
        wanted = (-0.6, len(lengths) - 0.4)
        grow = longest >= y1
        if (x0, x1) != wanted or (top != y1 and (not self.box.dragging or grow)):
            self.box.setRange(xRange=wanted, yRange=(0, top), padding=0)

    def apply_theme(self, theme: Theme) -> None:
        self.setBackground(theme.background)
        self.bars.setOpts(brush=theme.bar, pen=theme.bar)
        for side in ("left", "bottom"):
            axis = self.plotItem.getAxis(side)
            axis.setPen(theme.foreground)
            axis.setTextPen(theme.foreground)
            axis.setStyle(tickFont=scaled_font(self.font(), 0.85))
