"""The four linked heatmaps: padded tensor, mask, PackedSequence and jagged values/offsets."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen, QTextOption, QTransform
from PySide6.QtWidgets import QGraphicsRectItem

from padviz.core.views import (
    PACKING_REFUSED,
    REAL,
    JaggedGrid,
    PackedGrid,
    PaddedGrid,
    packed_summary,
)
from padviz.gui.explorer.axes import TickAxis
from padviz.gui.explorer.cell_items import CellTextItem, MarkLabels
from padviz.gui.explorer.heatmap import HeatmapView, ShrinkingLabel, scaled_font
from padviz.gui.theme import Theme, mask_lut, readable_on

STRIP_MARGIN = 0.8  # room above and below the jagged strip for its labels, in strip heights
REFUSAL_MARGIN_PX = 8  # between the refusal's wrapped lines and the plot's edges


class PaddedView(HeatmapView):
    """The padded tensor as torch returns it; in bucketed order each bucket is outlined with
    the part of T it really needs."""

    def __init__(self, parent=None) -> None:
        super().__init__("padded", parent)
        self.setObjectName("paddedView")
        self._bucket_items: list[QGraphicsRectItem] = []

    def set_grid(self, grid: PaddedGrid) -> None:
        super().set_grid(grid)
        for item in self._bucket_items:
            self.plot.removeItem(item)
        self._bucket_items = []
        pen = QPen(QColor(self.theme.foreground))
        pen.setCosmetic(True)
        pen.setWidthF(2.0)
        pen.setStyle(Qt.PenStyle.DashLine)
        for r0, c0, rows, cols in grid.bucket_rects():
            item = QGraphicsRectItem(QRectF(c0, r0, cols, rows))
            item.setPen(pen)
            item.setZValue(5)
            self.plot.addItem(item)
            self._bucket_items.append(item)


class MaskView(HeatmapView):
    """The boolean mask: 1 on real tokens, 0 on pads."""

    def __init__(self, parent=None) -> None:
        super().__init__("mask", parent)
        self.setObjectName("maskView")

    def lut(self, theme: Theme) -> np.ndarray:
        return mask_lut(theme)


class _BarLabels:
    """Cell source for the batch_sizes numbers: one cell per time step."""

    def __init__(self, sizes: np.ndarray) -> None:
        self.sizes = sizes
        self.codes = np.full((len(sizes), 1), REAL, np.uint8)

    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        return [str(n) for n in self.sizes[r].tolist()]

    def sublabels(self, r: np.ndarray, c: np.ndarray) -> None:
        return None


class PackedView(HeatmapView):
    """PackedSequence.data grouped by time step (one row per t, the longest sequence first),
    batch_sizes as bars beside the rows, and sorted_indices / unsorted_indices underneath.
    Emits `timeHovered(t | None)` when the mouse is over a bar."""

    timeHovered = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__("packed", parent)
        self.setObjectName("packedView")
        bars = self.addPlot(
            row=1,
            col=1,
            axisItems={side: TickAxis(side) for side in ("left", "bottom", "top", "right")},
            enableMenu=False,
        )
        self.bars_plot: pg.PlotItem = bars
        bars.invertY(True)
        bars.hideButtons()
        for side in ("top", "right"):  # given as axis items, pyqtgraph shows them
            bars.showAxis(side, False)
        bars.setMouseEnabled(x=False, y=True)
        bars.setYLink(self.plot)
        bars.getAxis("left").setStyle(showValues=False)
        bars.getAxis("left").setTicks([[], []])
        bars.getAxis("left").setWidth(4)
        bars.getViewBox().setDefaultPadding(0.0)
        self.bars = pg.BarGraphItem(x0=[], y0=[], width=[], height=[])
        bars.addItem(self.bars)
        self.bar_text = CellTextItem()
        bars.addItem(self.bar_text)
        self.summary = ShrinkingLabel(justify="left")
        self.addItem(self.summary, row=2, col=0, colspan=2)
        self.refusal = pg.TextItem(anchor=(0.5, 0.5))
        self.refusal.textItem.document().setDefaultTextOption(
            QTextOption(Qt.AlignmentFlag.AlignHCenter)
        )
        self.refusal.hide()
        # Out of the auto-range: a text's bounds follow the view's scale, and an empty view
        # (before the first document) auto-ranged and repainted itself ~15 times a second.
        self.plot.addItem(self.refusal, ignoreBounds=True)
        self.vb.sigResized.connect(self._wrap_refusal)
        self._bar_hovered: int | None = None
        self._sizes: np.ndarray | None = None
        self._summary_look: tuple[str, float, str] | None = None
        self._bars_label_look: tuple[float, str] | None = None
        self._bar_width = 0
        self._refused = False
        self.apply_theme(self.theme)
        self.apply_font()

    def set_grid(self, grid: PackedGrid) -> None:
        super().set_grid(grid)
        lay = grid.layout
        sizes = lay.batch_sizes
        steps = np.arange(len(sizes))
        if not np.array_equal(sizes, self._sizes):
            self._sizes = sizes
            self.bars.setOpts(x0=np.zeros(len(sizes)), y0=steps + 0.15, width=sizes, height=0.7)
            self.bar_text.set_source(_BarLabels(sizes))
        width = max(lay.B, 1)
        if width != self._bar_width:
            self._bar_width = width
            self.bar_text.setTransform(QTransform.fromScale(width, 1.0))
            self.bars_plot.getViewBox().setLimits(xMin=0, xMax=width)
            self.bars_plot.setXRange(0, width, padding=0)
        self._set_bars_label()
        self._set_summary(html.escape(packed_summary(lay)).replace("\n", "<br>"))
        refused = lay.packed is None
        if refused != self._refused:  # a new style lays the axis out again: only on a change
            self._refused = refused
            for side in ("left", "bottom"):  # no 0.2, 0.4, ... on an empty plot
                self.plot.getAxis(side).setStyle(showValues=not refused)
        if refused:
            self.refusal.setText(PACKING_REFUSED)
            self.refusal.setPos(QPointF(0.5, 0.5))
            self.vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.refusal.show()
            self._wrap_refusal()
        else:
            self.refusal.hide()
        # The bars follow the main plot's range (linked): apply it now, not in the paint.
        self.bars_plot.getViewBox().updateMatrix()

    def _wrap_refusal(self, *_args) -> None:
        """The refusal's lines wrap within the plot, however narrow (a projector's)."""
        if self.refusal.isVisible():
            width = self.vb.width() - 2 * REFUSAL_MARGIN_PX
            self.refusal.setTextWidth(max(width, 4 * self.fontMetrics().averageCharWidth()))

    def _set_bars_label(self) -> None:
        """The bars' axis label (only when its look changed: a new label lays the view out)."""
        look = (self._label_pt(), self.theme.foreground)
        if look != self._bars_label_look:
            self._bars_label_look = look
            self.bars_plot.getAxis("bottom").setLabel(
                "batch_sizes", **{"font-size": f"{look[0]:.1f}pt", "color": look[1]}
            )

    def _set_summary(self, text: str) -> None:
        look = (text, self._label_pt(), self.theme.foreground)
        if look != self._summary_look:
            self._summary_look = look
            self.summary.setText(text, size=f"{look[1]:.1f}pt", color=look[2])

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        if getattr(self, "bars_plot", None) is None:
            return
        for side in ("left", "bottom"):
            axis = self.bars_plot.getAxis(side)
            axis.setPen(theme.foreground)
            axis.setTextPen(theme.foreground)
        self.bars.setOpts(brush=theme.bar, pen=theme.bar)
        # a number sits on its bar, beside it (a short bar) or across its end: one colour
        # that reads on both
        text = readable_on((theme.bar, theme.background), ("#111111", theme.foreground))
        self.bar_text.set_style(
            np.ones(256, bool), dark=text, light=text, muted=theme.muted, grid=theme.background
        )
        if self._summary_look is not None:
            self._set_summary(self._summary_look[0])
        self._set_bars_label()
        self.refusal.setColor(theme.error)

    def apply_font(self) -> None:
        super().apply_font()
        if getattr(self, "bars_plot", None) is None:
            return
        for side in ("left", "bottom"):
            self.bars_plot.getAxis(side).setStyle(tickFont=scaled_font(self.font(), 0.9))
        self.ci.layout.setColumnFixedWidth(1, 9 * self.fontMetrics().averageCharWidth() + 20)
        self.bar_text.set_font(self.font())
        self.refusal.setFont(self.font())
        self._wrap_refusal()

    def _mouse_moved(self, pos: QPointF) -> None:
        super()._mouse_moved(pos)
        t = None
        vb = self.bars_plot.getViewBox()
        if self.grid is not None and vb.sceneBoundingRect().contains(pos):
            y = int(np.floor(vb.mapSceneToView(pos).y()))
            t = y if 0 <= y < len(self.grid.layout.batch_sizes) else None
        if t != self._bar_hovered:
            self._bar_hovered = t
            self.timeHovered.emit(t)

    def leaveEvent(self, event) -> None:
        if self._bar_hovered is not None:
            self._bar_hovered = None
            self.timeHovered.emit(None)
        super().leaveEvent(event)


class JaggedView(HeatmapView):
    """The jagged view: all real tokens back to back (values) in one strip, cut at the offsets
    (cu_seqlens), which are written above the cuts; each sequence's name is written below it."""

    def __init__(self, parent=None) -> None:
        super().__init__("jagged", parent)
        self.setObjectName("jaggedView")
        # no axes: the cut labels say it all, and an axis is laid out again on every edit
        self.plot.hideAxis("bottom")
        self.plot.hideAxis("left")
        self.plot.setMouseEnabled(x=True, y=False)
        self.bounds = pg.PlotCurveItem(connect="pairs")
        self.offset_labels = MarkLabels(above=True)
        self.sequence_labels = MarkLabels(above=False)
        for item in (self.bounds, self.offset_labels, self.sequence_labels):
            item.setZValue(5)
            self.plot.addItem(item)
        self.apply_theme(self.theme)
        self.apply_font()

    def _frame(self, rows: int, cols: int) -> None:
        """The strip is rows 0..1; its labels get room above and below it, and at both ends."""
        pad = max(0.015 * cols, 0.6)
        self.vb.setLimits(
            xMin=-pad,
            xMax=cols + pad,
            yMin=-STRIP_MARGIN,
            yMax=1 + STRIP_MARGIN,
            minYRange=1 + 2 * STRIP_MARGIN,
        )
        self.vb.setRange(
            xRange=(-pad, cols + pad), yRange=(-STRIP_MARGIN, 1 + STRIP_MARGIN), padding=0
        )

    def set_grid(self, grid: JaggedGrid) -> None:
        super().set_grid(grid)
        lay = grid.layout
        offsets = lay.offsets.astype(float)
        reach = MarkLabels.GAP
        self.bounds.setData(np.repeat(offsets, 2), np.tile([-reach, 1 + reach], len(offsets)))
        self.offset_labels.set_marks(offsets, [str(o) for o in lay.offsets.tolist()])
        middles = (offsets[:-1] + offsets[1:]) / 2
        self.sequence_labels.set_marks(middles, [f"seq {i}" for i in lay.order.tolist()])

    def apply_theme(self, theme: Theme) -> None:
        super().apply_theme(theme)
        if hasattr(self, "bounds"):
            self.bounds.setPen(pg.mkPen(theme.foreground, width=2))
            self.apply_font()

    def apply_font(self) -> None:
        super().apply_font()
        if hasattr(self, "offset_labels"):
            for item in (self.offset_labels, self.sequence_labels):
                item.set_style(scaled_font(self.font(), 0.9), self.theme.foreground)
