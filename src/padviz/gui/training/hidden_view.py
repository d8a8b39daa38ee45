"""The hidden-state truth view: final states for the explorer's batch, three ways.

Heatmaps (rows: sequences, columns: hidden units, forward then backward when bidirectional) of
the final hidden state h_n (or, for an LSTM, its cell state c_n: a switch) from padded input,
from packed input and from each sequence run alone, and per sequence how far the padded and
the packed state are from the alone one. The numbers
are computed by padviz.core.hidden_truth in the training worker; this view only draws them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from padviz.gui.lecture.callout import FRAME_PX
from padviz.gui.theme import Theme, current_theme, qcolor
from padviz.gui.torch_loader import torch_loader

HEATMAPS = (
    ("padded", "padded input"),
    ("packed", "packed input"),
    ("alone", "each sequence alone"),
)
COLORMAP = "CET-CBD1"  # diverging and colour-blind safe, centred on h = 0
BAR_HEIGHT = 0.36
BUILD_AFTER_LOAD_MS = 500
TICK_LINE = 1.15  # a sequence's label needs this many text lines of height, or it is skipped


class HiddenStateView(QWidget):
    """`show_truth(arrays)` draws an answer; `weightsChanged` / `refreshRequested` ask for one."""

    weightsChanged = Signal()
    refreshRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hiddenStateView")
        self.truth: dict[str, np.ndarray] | None = None
        self.title = QLabel()
        self.state_combo = QComboBox(objectName="hiddenStateCombo")
        self.state_combo.addItem("h_n", "")
        self.state_combo.addItem("c_n (LSTM cell state)", "c_")
        self.state_combo.setToolTip(
            "An LSTM's final state is (h_n, c_n); a GRU or RNN has h_n only"
        )
        self.state_combo.setVisible(False)  # until an LSTM's truth arrives
        self.weights_combo = QComboBox(objectName="hiddenWeightsCombo")
        self.weights_combo.addItem("initial weights", None)
        self.refresh_button = QPushButton("Refresh", objectName="hiddenRefreshButton")
        self.summary = QLabel("Computing…", objectName="hiddenSummary", wordWrap=True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)  # a remote worker's error, too
        self.graphics = pg.GraphicsLayoutWidget()

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.state_combo)
        header.addWidget(QLabel("weights:"))
        header.addWidget(self.weights_combo)
        header.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        margin = FRAME_PX + 3  # a lesson's callout frame is drawn over the edge
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.addLayout(header)
        layout.addWidget(self.summary)
        layout.addWidget(self.graphics, 1)
        self.weights_combo.currentIndexChanged.connect(self.weightsChanged)
        self.state_combo.currentIndexChanged.connect(self._redraw)
        self._set_title("")
        self.refresh_button.clicked.connect(self.refreshRequested)
        self.plots: dict[str, pg.PlotItem] = {}  # built when first needed (start-up time)
        if not torch_loader().is_loaded():  # the window is opening: build once it is up
            torch_loader().when_loaded(self._build_soon)

    def _build_soon(self) -> None:
        """Once torch is loaded and the first layout painted, the plots are built (unless
        the view was shown, or given a result, before)."""
        QTimer.singleShot(BUILD_AFTER_LOAD_MS, self, self._ensure_plots)

    def _ensure_plots(self) -> None:
        """Build the heatmaps, colour bar and distance plot: ~0.15 s, so not while the window
        opens (the Training tab is not shown then)."""
        if self.plots:
            return
        cmap = pg.colormap.get(COLORMAP)
        self.images: dict[str, pg.ImageItem] = {}
        self._splits: list[pg.InfiniteLine] = []
        for col, (name, title) in enumerate(HEATMAPS):
            plot = self.graphics.addPlot(row=0, col=col, title=title, enableMenu=False)
            plot.setMouseEnabled(x=False, y=False)
            plot.invertY(True)
            plot.setLabel("bottom", "hidden unit")
            image = pg.ImageItem(levels=(-1.0, 1.0))
            image.setColorMap(cmap)
            plot.addItem(image)
            split = pg.InfiniteLine(angle=90, pen=pg.mkPen("k", width=2))
            split.setVisible(False)
            plot.addItem(split)
            self._splits.append(split)
            if col:
                plot.setYLink(self.plots["padded"])
                plot.getAxis("left").setStyle(showValues=False)
            self.plots[name] = plot
            self.images[name] = image
        self.colorbar = pg.ColorBarItem(
            values=(-1.0, 1.0), colorMap=cmap, interactive=False, width=14
        )
        self.colorbar.setImageItem(list(self.images.values()))
        self.graphics.addItem(self.colorbar, row=0, col=len(HEATMAPS))
        diff = self.graphics.addPlot(row=0, col=len(HEATMAPS) + 1, enableMenu=False)
        diff.setMouseEnabled(x=False, y=False)
        diff.invertY(True)
        diff.setYLink(self.plots["padded"])
        diff.getAxis("left").setStyle(showValues=False)
        self.diff_plot = diff
        self.bars: dict[str, pg.BarGraphItem] = {}
        for name, offset in (("padded", -BAR_HEIGHT / 2), ("packed", BAR_HEIGHT / 2)):
            bars = pg.BarGraphItem(x0=[], y=[], height=BAR_HEIGHT, width=[])
            bars.setProperty("offset", offset)
            diff.addItem(bars)
            self.bars[name] = bars
        # Label only as many sequences as fit: 8 labels in 30 px overlapped before.
        self.plots["padded"].getViewBox().sigResized.connect(self._label_sequences)
        self.graphics.ci.layout.setColumnStretchFactor(len(HEATMAPS) + 1, 1)
        for col in range(len(HEATMAPS)):
            self.graphics.ci.layout.setColumnStretchFactor(col, 2)
        self.apply_theme(current_theme())

    def showEvent(self, event) -> None:
        self._ensure_plots()
        super().showEvent(event)

    def weights_run(self) -> int | None:
        """The run whose current weights to use, or None for the initial weights."""
        return self.weights_combo.currentData()

    def set_runs(self, labels: list[str]) -> None:
        """Offer each run's current weights besides the initial ones (keeps the choice if it
        still exists)."""
        current = self.weights_combo.currentIndex()
        self.weights_combo.blockSignals(True)
        self.weights_combo.clear()
        self.weights_combo.addItem("initial weights", None)
        for run, label in enumerate(labels):
            self.weights_combo.addItem(f"current weights: {label}", run)
        self.weights_combo.setCurrentIndex(current if current < self.weights_combo.count() else 0)
        self.weights_combo.blockSignals(False)

    def show_error(self, message: str) -> None:
        self.summary.setText(f"Cannot compute the hidden states: {message}")

    def _set_title(self, prefix: str) -> None:
        state = "c_n, the LSTM's cell state" if prefix else "h_n"
        self.title.setText(f"<b>Hidden-state truth</b>: final {state} for the explorer's batch")

    def shown_state(self) -> str:
        """The key prefix of the state drawn: "" for h_n, "c_" for c_n."""
        prefix = self.state_combo.currentData()
        return prefix if self.truth is not None and f"{prefix}padded" in self.truth else ""

    def show_truth(self, truth: Mapping[str, np.ndarray]) -> None:
        self.truth = dict(truth)
        self.state_combo.setVisible("c_padded" in self.truth)
        self._redraw()

    def _redraw(self) -> None:
        if self.truth is None:
            return
        self._ensure_plots()
        truth, prefix = self.truth, self.shown_state()
        self._set_title(prefix)
        lengths = truth["lengths"]
        width = truth["padded"].shape[1]
        directions = int(truth["directions"])
        scale = max(float(truth[prefix + "scale"]), 1e-6)
        self.colorbar.setLevels((-scale, scale))
        for name, _title in HEATMAPS:
            values = np.ascontiguousarray(truth[prefix + name].T)
            self.images[name].setImage(values, levels=(-scale, scale))
            self.images[name].setRect(0, -0.5, width, len(lengths))
            self.plots[name].setXRange(0, width, padding=0)
        self._label_sequences()
        self.plots["padded"].setYRange(-0.5, len(lengths) - 0.5, padding=0)
        for split in self._splits:
            split.setVisible(directions == 2)
            split.setValue(width / 2)
        # Under the plots, not in their titles: a title's width is each column's minimum.
        unit = "hidden unit (forward | backward)" if directions == 2 else "hidden unit"
        for name, _title in HEATMAPS:
            self.plots[name].setLabel("bottom", unit)
        rows = np.arange(len(lengths), dtype=np.float64)
        for name, bars in self.bars.items():
            bars.setOpts(
                x0=np.zeros(len(rows)),
                y=rows + bars.property("offset"),
                width=truth[f"{prefix}{name}_diff"],
                height=BAR_HEIGHT,
            )
        from padviz.core.hidden_truth import describe  # torch: loaded once the window is up

        self.summary.setText(describe(truth, prefix=prefix))

    def label_step(self) -> int:
        """Every how many sequences a row label is written: 1 while each row is tall enough
        for its label, more where the rows are thinner (labels never overlap)."""
        if not self.plots or self.truth is None:
            return 1
        rows = len(self.truth["lengths"])
        height = self.plots["padded"].getViewBox().height()
        axis_font = self.plots["padded"].getAxis("left").style.get("tickFont") or self.font()
        line = QFontMetricsF(axis_font).height() * TICK_LINE
        return max(1, math.ceil(rows * line / max(height, 1.0)))

    def _label_sequences(self) -> None:
        if self.truth is None:
            return
        step = self.label_step()
        lengths = self.truth["lengths"].tolist()
        ticks = [(i, f"seq {i} · len {n}") for i, n in enumerate(lengths) if i % step == 0]
        self.plots["padded"].getAxis("left").setTicks([ticks])

    def apply_theme(self, theme: Theme) -> None:
        self.graphics.setBackground(qcolor(theme.background))
        if not self.plots:
            return  # they take the theme in force when built
        fg = qcolor(theme.foreground)
        for plot in [*self.plots.values(), self.diff_plot]:
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setPen(pg.mkPen(fg))
                plot.getAxis(axis).setTextPen(pg.mkPen(fg))
            plot.titleLabel.setText(plot.titleLabel.text, color=theme.foreground)
        for split in self._splits:
            split.setPen(pg.mkPen(fg, width=2))
        colors = {"padded": theme.series[1], "packed": theme.series[2]}
        for name, bars in self.bars.items():
            bars.setOpts(brush=pg.mkBrush(qcolor(colors[name])), pen=pg.mkPen(None))
        self.diff_plot.setTitle(  # short: the column is narrow
            f"<span style='color:{colors['padded']}'>■ padded</span> "
            f"<span style='color:{colors['packed']}'>■ packed</span>",
            color=theme.foreground,
        )
        self.diff_plot.setLabel("bottom", "distance from alone")
