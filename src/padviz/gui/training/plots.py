"""A loss plot: one EMA-smoothed line per run over its raw values, drawn faint.

Each run has exactly one PlotDataItem (the smoothed line, named for the legend; the plot's only
data items) and one PlotCurveItem under it in the view box (the raw values). Both stay cheap
with long curves: the line uses pyqtgraph's clip-to-view and automatic peak downsampling; the raw
curve gets the visible range decimated to about two points per pixel column
(padviz.core.curves.minmax_decimate), recomputed when the view moves. Only runs with new points
are touched on an update.

The view follows the data without pyqtgraph's auto-range, which would move both axes, and so
regenerate and repaint them, on nearly every new point: x grows in steps of 1-2-5 about half
again beyond the newest step, y widens only when a value falls outside it. The plot stops
following once the user pans or zooms; its "A" button hands the view to pyqtgraph's auto-range.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication

from padviz.core.curves import Curves, EmaTrace, minmax_decimate
from padviz.gui.theme import Theme, current_theme, qcolor

LINE_WIDTH = 3
RAW_ALPHA = 70
LOG_FLOOR = 1e-12  # a loss of exactly 0 still has a place on a log axis
X_GROWTH = 1.5  # when the newest step passes the right edge, the x range grows to about this
Y_MARGIN = 0.08  # of the data's span, above and below, when the y range widens


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (> 0)."""
    power = 10.0 ** np.floor(np.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


class LossPlot(pg.PlotWidget):
    """Plots column `field` of every run's Curves against its step."""

    def __init__(self, title: str, field: str, object_name: str) -> None:
        super().__init__(enableMenu=False)  # built at start-up: its menus cost ~15 ms each
        self.setObjectName(object_name)
        self.field = field
        self._title = title
        self._lines: list[pg.PlotDataItem] = []
        self._raw: list[pg.PlotCurveItem] = []
        self._ema: list[EmaTrace] = []
        self._colors: list[str] = []
        self._curves: Sequence[Curves] = ()
        self._smoothing = 0.6
        self._log_y = False
        self._follow = True
        self._seen: list[int] = []  # points per run already in the y bounds
        self._bounds: tuple[float, float] | None = None  # min and max of every raw value
        item = self.getPlotItem()
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        # The legend sits in one row between the title and the plot (where a top axis would
        # go), never over the curves.
        self.legend = pg.LegendItem(colCount=3)
        item.layout.removeItem(item.getAxis("top"))  # hidden anyway
        item.layout.addItem(self.legend, 1, 1)
        item.legend = self.legend  # items added with a name join it
        view = item.getViewBox()
        view.sigXRangeChanged.connect(self._refresh_raw)
        view.sigResized.connect(self._refresh_raw)
        view.sigRangeChangedManually.connect(self._stop_following)
        self.apply_theme(current_theme())

    # -- set-up ----------------------------------------------------------------------------
    def set_runs(
        self,
        labels: Sequence[str],
        colors: Sequence[str],
        curves: Sequence[Curves],
        dashed: Sequence[bool] = (),
    ) -> None:
        """One line and one raw curve per run, in `colors` (dashed where asked); forgets the
        previous runs."""
        item = self.getPlotItem()
        for line, raw in zip(self._lines, self._raw, strict=False):
            item.removeItem(line)
            item.getViewBox().removeItem(raw)
        self.legend.clear()
        self._colors = list(colors)
        self._curves = curves
        self._lines, self._raw, self._ema = [], [], []
        dashes = list(dashed) + [False] * (len(labels) - len(dashed))
        for label, color, dash in zip(labels, colors, dashes, strict=False):
            raw = pg.PlotCurveItem(pen=pg.mkPen(self._faint(color), width=1), skipFiniteCheck=True)
            style = Qt.PenStyle.DashLine if dash else Qt.PenStyle.SolidLine
            pen = pg.mkPen(qcolor(color), width=LINE_WIDTH, style=style)
            line = pg.PlotDataItem(pen=pen, name=label, skipFiniteCheck=True)
            line.setDownsampling(auto=True, method="peak")
            line.setClipToView(True)
            item.getViewBox().addItem(raw)  # not a data item: legend and listDataItems skip it
            item.addItem(line)
            self._raw.append(raw)
            self._lines.append(line)
            self._ema.append(EmaTrace(self._smoothing))
        self._start_following()
        self.update_runs(range(len(labels)))

    def set_smoothing(self, smoothing: float) -> None:
        self._smoothing = smoothing
        self._ema = [EmaTrace(smoothing) for _ in self._lines]
        self.update_runs(range(len(self._lines)))

    def set_log_y(self, on: bool) -> None:
        self._log_y = on
        self.getPlotItem().setLogMode(y=on)
        self._refresh_raw()
        self._fit_view(exact=True)

    def apply_theme(self, theme: Theme) -> None:
        fg = qcolor(theme.foreground)
        self.setBackground(qcolor(theme.background))
        item = self.getPlotItem()
        item.setTitle(self._title, color=theme.foreground)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(fg))
            axis.setTextPen(pg.mkPen(fg))
        self.legend.setLabelTextColor(fg)
        self.legend.setBrush(pg.mkBrush(qcolor(theme.background)))
        self.legend.setPen(pg.mkPen(qcolor(theme.muted)))
        self.apply_font(QApplication.font())

    def apply_font(self, font: QFont) -> None:
        """Follow the application font (a global zoom scales the plot's text too)."""
        size = font.pointSizeF() if font.pointSizeF() > 0 else 10.0
        item = self.getPlotItem()
        item.titleLabel.setText(self._title, size=f"{size * 1.25:.1f}pt")
        for name in ("left", "bottom"):
            item.getAxis(name).setStyle(tickFont=font)
            item.getAxis(name).label.setFont(font)
        self.legend.opts["labelTextSize"] = f"{size:.1f}pt"
        for _sample, label in self.legend.items:
            label.setText(label.text, size=f"{size:.1f}pt")

    # -- data ------------------------------------------------------------------------------
    def update_runs(self, runs: Iterable[int]) -> None:
        """Redraw the runs with new points (indices into the curves given to set_runs)."""
        runs = list(runs)
        if any(len(self._curves[run]) < self._seen[run] for run in runs):  # cleared: Reset
            self._start_following()
        for run in runs:
            curves = self._curves[run]
            steps = curves.column("step")
            smoothed = self._ema[run].update(curves.column(self.field))
            self._lines[run].setData(steps, smoothed, skipFiniteCheck=True)
            self._track_bounds(run)
        self._fit_view()
        for run in runs:
            self._set_raw(run)

    def line_items(self) -> list[pg.PlotDataItem]:
        return list(self._lines)

    def raw_items(self) -> list[pg.PlotCurveItem]:
        return list(self._raw)

    # -- following the data ----------------------------------------------------------------
    def _start_following(self) -> None:
        self._follow = True
        self._seen = [0] * len(self._curves)
        self._bounds = None
        view = self.getPlotItem().getViewBox()
        view.disableAutoRange()
        view.setXRange(0, 10, padding=0)

    def _stop_following(self, *_args: object) -> None:
        self._follow = False

    def _track_bounds(self, run: int) -> None:
        values = self._curves[run].column(self.field)[self._seen[run] :]
        self._seen[run] += len(values)
        if len(values) and not np.all(np.isnan(values)):
            lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
            if self._bounds is not None:
                lo, hi = min(lo, self._bounds[0]), max(hi, self._bounds[1])
            self._bounds = (lo, hi)

    def _fit_view(self, exact: bool = False) -> None:
        """Grow the view to the data (see the module docstring); `exact`: fit y afresh."""
        view = self.getPlotItem().getViewBox()
        if not self._follow or any(view.autoRangeEnabled()) or self._bounds is None:
            return
        (_, x_max), (y_min, y_max) = view.viewRange()
        last = max((c.last("step") for c in self._curves if len(c)), default=0.0)
        if last > x_max:
            view.setXRange(0, nice_ceiling(last * X_GROWTH), padding=0)
        lo, hi = self._bounds
        if self._log_y:
            lo, hi = np.log10(max(lo, LOG_FLOOR)), np.log10(max(hi, LOG_FLOOR))
        if exact or lo < y_min or hi > y_max:
            margin = Y_MARGIN * (hi - lo) if hi > lo else 0.1 * max(abs(hi), 1e-3)
            view.setYRange(lo - margin, hi + margin, padding=0)

    # -- internals -------------------------------------------------------------------------
    def _faint(self, color: str) -> QColor:
        c = qcolor(color)
        c.setAlpha(RAW_ALPHA)
        return c

    def _refresh_raw(self, *_args: object) -> None:
        for run in range(len(self._raw)):
            self._set_raw(run)

    def _set_raw(self, run: int) -> None:
        curves = self._curves[run]
        steps, values = curves.column("step"), curves.column(self.field)
        if len(steps) == 0:
            self._raw[run].setData([], [])
            return
        view = self.getPlotItem().getViewBox()
        if view.autoRangeEnabled()[0]:  # the x range is about to follow the data
            x_min, x_max = steps[0], steps[-1]
        else:
            (x_min, x_max), _ = view.viewRange()
        bins = max(int(view.width()), 50)
        x, y = minmax_decimate(steps, values, x_min, x_max, bins)
        if self._log_y:
            y = np.log10(np.maximum(y, LOG_FLOOR))
        self._raw[run].setData(x, y, skipFiniteCheck=True)
