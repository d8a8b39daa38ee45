"""The Bench tab: what padding costs on this machine, measured by padviz.core.bench in a worker.

Step time against pad ratio for padded, packed and length-bucketed batches, with the ideal line
(the time if a step cost only its real tokens), a table of the medians and the core's
recommendation. The measurement runs in a worker process that BenchController owns, so the
window stays responsive and the numbers are not disturbed by its redraws; this panel only turns
the controller's signals into the plot, the table and the text.
"""

from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from padviz.core.bench_series import STRATEGIES, bench_series
from padviz.core.errors import PadvizError
from padviz.gui.bench.controller import BenchController
from padviz.gui.bench.plot import BenchPlot
from padviz.gui.name_boxes import NameBox
from padviz.gui.remote_devices import RemoteDevices
from padviz.gui.theme import Theme, current_theme, qcolor, theme_notifier
from padviz.gui.torch_loader import torch_loader

SERIES_COLOR_INDEX = {"padded": 0, "packed": 2, "bucketed": 3}
TABLE_COLUMNS = (
    "pad ratio",
    "padded ms",
    "packed ms",
    "bucketed ms",
    "packed/padded",
    "bucketed/padded",
    "ideal ratio",
)


class BenchPanel(QWidget):
    """Public: start(**overrides), stop(), shutdown(), set_presentation(on); `rows`, `result`
    and `fraction` hold what the worker reported (kept by `controller`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("benchPanel")
        self.controller = BenchController(self)

        self.device_combo = QComboBox(objectName="benchDeviceCombo")
        self.remote_devices = RemoteDevices(self.device_combo, self)  # "Remote…" and its devices
        self.quick_box = QCheckBox("quick (6 pad ratios, 5 repetitions)", objectName="benchQuick")
        self.quick_box.setChecked(True)
        self.hidden_spin = self._spin(1, 4096, 128, "benchHidden")
        self.batch_spin = self._spin(1, 1024, 32, "benchBatchSize")
        self.max_len_spin = self._spin(2, 4096, 100, "benchMaxLen")
        from padviz.core.corpus import BUILTINS
        from padviz.core.corpus_source import builtin_spec

        self.lengths_combo = QComboBox(objectName="benchLengthsCombo")
        NameBox(self.lengths_combo, 12)  # corpus files join it by name
        self.lengths_combo.addItem("pad ratios 0-0.9", None)
        self.lengths_combo.addItem("Python's docs", builtin_spec(BUILTINS[0]))
        self.lengths_combo.setToolTip(
            "Time pools at synthetic pad ratios, or one pool of a corpus's real lengths "
            "(files read in the Corpus tab are offered here)"
        )
        self.start_button = QPushButton("Start", objectName="benchStartButton")
        self.stop_button = QPushButton("Stop", objectName="benchStopButton")
        self.progress = QProgressBar(objectName="benchProgress")
        self.progress.setRange(0, 1000)
        self.progress.setFormat("%p%")
        self.recommendation = QLabel(objectName="benchRecommendation", wordWrap=True)
        self.recommendation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setup_label = QLabel(objectName="benchSetup", wordWrap=True)
        self.setup_label.setTextFormat(Qt.TextFormat.PlainText)  # names a remote's device
        self.plot = BenchPlot()
        self.table = QTableWidget(0, len(TABLE_COLUMNS), objectName="benchTable")
        self._build()
        self.start_button.clicked.connect(lambda: self.start())
        self.stop_button.clicked.connect(self.stop)
        c = self.controller
        c.runningChanged.connect(self._set_running)
        c.progressed.connect(lambda fraction: self.progress.setValue(round(fraction * 1000)))
        c.rowsChanged.connect(self._redraw)
        c.finished.connect(self._show_result)
        c.failed.connect(self._show_error)
        theme_notifier().themeChanged.connect(self.apply_theme)
        self.apply_theme(current_theme())
        self._set_running(False)
        torch_loader().when_loaded(self._fill_devices)  # Start waits for the device list
        self.recommendation.setText(
            "Press Start to time LSTM training on a pool of sequences, batched padded, packed "
            "and length-bucketed, at several pad ratios (or on a corpus's lengths) on this "
            "device."
        )

    @staticmethod
    def _spin(low: int, high: int, value: int, name: str) -> QSpinBox:
        box = QSpinBox(objectName=name)
        box.setRange(low, high)
        box.setValue(value)
        return box

    def _build(self) -> None:
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.2)
        item.setLabel("bottom", "pad ratio (share of the padded tensor that is padding)")
        item.setLabel("left", "time per pool (ms)")
        self.legend = item.addLegend(offset=(-10, 10))
        self.lines: dict[str, pg.PlotDataItem] = {}
        for name in (*STRATEGIES, "ideal"):
            label = "ideal: padded at the lowest ratio × real share" if name == "ideal" else name
            line = pg.PlotDataItem(
                name=label, symbol=None if name == "ideal" else "o", symbolSize=9
            )
            item.addItem(line)
            self.lines[name] = line
        self.plot.apply_font()  # the legend's entries too
        self.plot.setXRange(0, 1)

        self.table.setHorizontalHeaderLabels(list(TABLE_COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)

        self.settings = QWidget()
        settings = QHBoxLayout(self.settings)
        settings.setContentsMargins(0, 0, 0, 0)
        for label, widget in (
            ("lengths", self.lengths_combo),
            ("device", self.device_combo),
            ("hidden", self.hidden_spin),
            ("batch size", self.batch_spin),
            ("max length", self.max_len_spin),
        ):
            settings.addWidget(QLabel(label))
            settings.addWidget(widget, 1 if isinstance(widget, QComboBox) else 0)
        settings.addStretch(0)  # what the boxes leave, once their names are whole
        controls = QHBoxLayout()  # quick is how the run goes: it sits by Start (and the row
        controls.addWidget(self.start_button)  # of settings stays narrow enough for 1024 px)
        controls.addWidget(self.stop_button)
        controls.addWidget(self.quick_box)
        controls.addWidget(self.progress, 1)
        body = QHBoxLayout()
        body.addWidget(self.plot, 1)
        body.addWidget(self.table)
        layout = QVBoxLayout(self)
        layout.addWidget(self.settings)
        layout.addLayout(controls)
        layout.addWidget(self.recommendation)
        layout.addLayout(body, 1)
        layout.addWidget(self.setup_label)

    def _fill_devices(self) -> None:
        """Every device present, as the Training tab lists them (padviz.core.devices)."""
        from padviz.core.devices import available_devices

        self.device_combo.clear()
        for device in available_devices():
            self.device_combo.addItem(f"{device.id} — {device.name}", device.id)
        # Like "auto": the first accelerator when there is one, else the CPU.
        self.device_combo.setCurrentIndex(1 if self.device_combo.count() > 1 else 0)
        self.remote_devices.install()
        self._set_running(self.controller.running)

    # -- running ---------------------------------------------------------------------------
    def config(self, **overrides: Any) -> dict[str, Any]:
        """The BenchConfig (as a dict) the controls describe, with `overrides` on top."""
        from padviz.core.bench import BenchConfig

        values: dict[str, Any] = {
            "device": self.device_combo.currentData(),
            "hidden": self.hidden_spin.value(),
            "batch_size": self.batch_spin.value(),
            "max_len": self.max_len_spin.value(),
            "corpus": self.lengths_combo.currentData(),
        }
        values.update(overrides)
        config = (
            BenchConfig.quick(**values) if self.quick_box.isChecked() else BenchConfig(**values)
        )
        config.validate()
        return dataclasses.asdict(config)

    def add_corpus(self, path: str) -> None:
        """Offer a corpus file's lengths (read in the Corpus tab) to measure on."""
        if self.lengths_combo.findData(path) < 0:
            self.lengths_combo.addItem(f"corpus {Path(path).name}", path)
            self.lengths_combo.setItemData(
                self.lengths_combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole
            )

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The pad ratios measured so far (BenchRow.to_dict() each)."""
        return self.controller.rows

    @property
    def result(self) -> dict[str, Any] | None:
        """The last measurement's BenchResult.to_dict(), once it is done."""
        return self.controller.result

    @property
    def fraction(self) -> float:
        """The share of the running measurement done."""
        return self.controller.fraction

    def start(self, **overrides: Any) -> None:
        """Measure in a worker process (ignored while a measurement runs)."""
        if self.controller.running:
            return
        try:
            config = self.config(**overrides)
        except PadvizError as exc:
            self._show_error(str(exc))
            return
        remote = self.remote_devices.target()
        where = "" if remote is None else f" on {self.remote_devices.host()}"
        self.recommendation.setText(f"Measuring{where}… (the worker loads torch first)")
        self.controller.start(config, remote)

    def stop(self) -> None:
        """Stop after the current round; the pad ratios measured so far stay."""
        if self.controller.running:
            self.controller.request_stop()
            self.stop_button.setEnabled(False)
            self.recommendation.setText("Stopping after the current round…")

    def shutdown(self) -> None:
        """End the worker at once (the window is closing)."""
        self.controller.shutdown()

    def _set_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.device_combo.count() > 0)
        self.stop_button.setEnabled(running)
        self.settings.setEnabled(not running)

    def _show_error(self, message: str) -> None:
        self.recommendation.setStyleSheet(f"color: {current_theme().error}")
        text = html.escape(f"error: {message}").replace("\n", "<br>")  # may be the remote's
        self.recommendation.setText(text)

    def _show_result(self, result: dict[str, Any]) -> None:
        self.recommendation.setStyleSheet("")
        done = len(result["rows"])
        planned = len(result["pad_ratios"])
        prefix = "" if not result["interrupted"] else f"Stopped: {done} of {planned} pad ratios. "
        self.recommendation.setText(f"<b>{html.escape(prefix + result['recommendation'])}</b>")
        self.setup_label.setText(
            f"{result['device_name']}, torch {result['torch']}: LSTM hidden {result['hidden']}, "
            f"pools of {result['buckets']} batches of {result['batch_size']}, max length "
            f"{result['max_len']}; median of {result['reps']} pools after {result['warmup']} "
            "warm-up, per pad ratio"
        )

    def _redraw(self) -> None:
        series = bench_series(self.rows)
        for name, line in self.lines.items():
            line.setData(series["pad_ratio"], series[name])
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(sorted(self.rows, key=lambda row: row["pad_ratio"])):
            cells = (
                f"{row['pad_ratio']:.2f}",
                f"{row['padded_ms']:.2f}",
                f"{row['packed_ms']:.2f}",
                f"{row['bucketed_ms']:.2f}",
                f"{row['packed_over_padded']:.2f}",
                f"{row['bucketed_over_padded']:.2f}",
                f"{row['ideal']:.2f}",
            )
            for c, text in enumerate(cells):
                self.table.setItem(r, c, QTableWidgetItem(text))

    # -- look ------------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        fg = qcolor(theme.foreground)
        self.plot.setBackground(qcolor(theme.background))
        item = self.plot.getPlotItem()
        for axis in ("left", "bottom"):
            item.getAxis(axis).setPen(pg.mkPen(fg))
            item.getAxis(axis).setTextPen(pg.mkPen(fg))
        for name, index in SERIES_COLOR_INDEX.items():
            color = qcolor(theme.series[index])
            self.lines[name].setPen(pg.mkPen(color, width=3))
            self.lines[name].setSymbolBrush(pg.mkBrush(color))
            self.lines[name].setSymbolPen(pg.mkPen(color))
        self.lines["ideal"].setPen(pg.mkPen(fg, width=2, style=Qt.PenStyle.DashLine))
        self.legend.setLabelTextColor(fg)

    def set_presentation(self, on: bool) -> None:
        """Hide the settings and the table so the plot and the recommendation fill the tab."""
        self.settings.setVisible(not on)
        self.quick_box.setVisible(not on)
        self.table.setVisible(not on)
        self.plot.set_presentation(on)
