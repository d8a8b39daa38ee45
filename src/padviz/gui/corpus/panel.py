"""The Corpus tab: the user's own corpus (or the built-in one), its lengths and what each way of
batching it wastes, and a batch of it sent to the explorer.

Every number comes from padviz.core.corpus (reading) and padviz.core.corpus_stats (statistics,
waste, the batch to send), the same functions `padviz corpus` calls. Reading a file and
computing its statistics run on a thread (a million lines take seconds), with a progress bar;
a change of batch size, buckets or maximum length recomputes on the thread too, and a result
that an edit made since has outdated is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from padviz.core.errors import PadvizError
from padviz.core.limits import MAX_LENGTH, MAX_SEQUENCES
from padviz.gui.corpus.jobs import BackgroundJobs
from padviz.gui.spin_boxes import spin_box
from padviz.gui.state import AppState
from padviz.gui.theme import Theme, current_theme, qcolor, theme_notifier

CORPUS_FILTER = "Corpus (*.txt *.jsonl *.ndjson *.csv);;All files (*)"
STAT_ROWS = ("sequences", "tokens", "mean", "min", "p50", "p90", "p99", "max")  # two columns
LEFT_WIDTH = 460  # the controls' column; the histogram and the waste table take the rest
WASTE_COLUMNS = ("strategy", "batches", "pad cells", "total cells", "pad ratio")
PICK_LABELS = {"random": "a random batch", "longest": "the longest batch", "bucket": "bucket"}


class CorpusPanel(QWidget):
    """Public: open_file(path, ...), open_builtin(), send_to_explorer(); `corpus` and `stats`
    hold what was read and computed (None before)."""

    batchSent = Signal()  # a batch went to the explorer
    fileRead = Signal(str)  # a corpus file was read: its path (the Training tab offers it)

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("corpusPanel")
        self.state = state
        self.corpus: Any = None
        self.stats: Any = None
        self._reading = 0  # the ticket of the read under way, 0 when none
        self._path = ""  # the file being read, "" for the built-in corpus
        self._worker = BackgroundJobs(self)
        self._worker.progressed.connect(self._progress)
        self._worker.done.connect(self._done)
        self._worker.failed.connect(self._failed)

        self.open_button = QPushButton("Open file…", objectName="openCorpusButton")
        self.builtin_button = QPushButton("Python's docs", objectName="builtinCorpusButton")
        self.builtin_button.setToolTip(
            "A corpus every installation has: the docstrings of Python's standard library, "
            "read from its source files (never imported)"
        )
        self.format_combo = QComboBox(objectName="corpusFormatCombo")
        for fmt in ("auto", "txt", "jsonl", "csv"):
            self.format_combo.addItem(fmt, None if fmt == "auto" else fmt)
        self.field_edit = QLineEdit(objectName="corpusFieldEdit", placeholderText="text")
        self.tokenizer_combo = QComboBox(objectName="corpusTokenizerCombo")
        self.tokenizer_combo.addItems(["word", "char", "ids"])
        self.batch_spin = spin_box(1, MAX_SEQUENCES, 32, "corpusBatchSpin")
        self.buckets_spin = spin_box(1, 1024, 8, "corpusBucketsSpin")
        self.max_length_spin = spin_box(0, 10**6, 0, "corpusMaxLengthSpin")
        self.max_length_spin.setSpecialValueText("none")
        self.edges_combo = QComboBox(objectName="corpusEdgesCombo")
        self.edges_combo.addItems(["log", "linear"])
        self.source_label = QLabel("No corpus yet: open a file, or take Python's own docstrings.")
        self.source_label.setObjectName("corpusSource")
        self.source_label.setWordWrap(True)
        self.progress = QProgressBar(objectName="corpusProgress", visible=False)
        self.error = QLabel(objectName="corpusError", wordWrap=True, visible=False)
        self.stats_table = self._table(["", "", "", ""], len(STAT_ROWS) // 2, "corpusStatsTable")
        self.stats_table.horizontalHeader().setVisible(False)
        for col in (0, 2):  # the names keep their width; the values share the rest
            self.stats_table.horizontalHeader().setSectionResizeMode(
                col, QHeaderView.ResizeMode.ResizeToContents
            )
        self.waste_table = self._table(list(WASTE_COLUMNS), 4, "corpusWasteTable")
        self.recommendation = QLabel(objectName="corpusRecommendation", wordWrap=True)
        self.plot = pg.PlotWidget(objectName="corpusHistogram", enableMenu=False)
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.setTitle("sequence lengths")
        self.plot.setLabel("left", "sequences (log scale)")
        self.plot.setLabel("bottom", "length")
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.9)
        self.plot.addItem(self.bars)
        self.pick_combo = QComboBox(objectName="corpusPickCombo")
        for how, label in PICK_LABELS.items():
            self.pick_combo.addItem(label, how)
        self.bucket_spin = spin_box(1, 1024, 1, "corpusPickBucketSpin")
        self.send_button = QPushButton("Send to explorer", objectName="sendToExplorerButton")
        self.send_button.setEnabled(False)
        self._layout()

        self.open_button.clicked.connect(self.open_dialog)
        self.builtin_button.clicked.connect(self.open_builtin)
        for spin in (self.batch_spin, self.buckets_spin, self.max_length_spin):
            spin.valueChanged.connect(self.recompute)
        self.edges_combo.currentIndexChanged.connect(self.recompute)
        self.pick_combo.currentIndexChanged.connect(self._show_bucket_choice)
        self.send_button.clicked.connect(self.send_to_explorer)
        theme_notifier().themeChanged.connect(self.apply_theme)
        self._show_bucket_choice()
        self.apply_theme(current_theme())

    @staticmethod
    def _table(headers: list[str], rows: int, name: str) -> QTableWidget:
        table = QTableWidget(rows, len(headers), objectName=name)
        table.setHorizontalHeaderLabels(headers)
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        return table

    def _layout(self) -> None:
        source = QGroupBox("Corpus")
        form = QFormLayout(source)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.builtin_button)
        form.addRow(buttons)
        form.addRow("format", self.format_combo)
        form.addRow("field (jsonl, csv)", self.field_edit)
        form.addRow("tokenizer", self.tokenizer_combo)
        batching = QGroupBox("Batching")
        batching_form = QFormLayout(batching)
        batching_form.addRow("batch size", self.batch_spin)
        batching_form.addRow("buckets", self.buckets_spin)
        batching_form.addRow("max length", self.max_length_spin)
        batching_form.addRow("histogram bins", self.edges_combo)
        send = QGroupBox("To the explorer")
        send_row = QHBoxLayout(send)
        send_row.addWidget(self.pick_combo)
        send_row.addWidget(self.bucket_spin)
        send_row.addWidget(self.send_button)
        self.controls = (source, batching)  # editing: they give way in presentation
        left_column = QWidget()
        left_column.setMaximumWidth(LEFT_WIDTH)
        left = QVBoxLayout(left_column)
        left.setContentsMargins(0, 0, 0, 0)
        for widget in (source, batching, send, self.stats_table):
            left.addWidget(widget)
        left.addStretch(1)
        right = QVBoxLayout()
        for widget in (self.source_label, self.progress, self.error):
            right.addWidget(widget)
        right.addWidget(self.plot, 1)
        right.addWidget(self.waste_table)
        right.addWidget(self.recommendation)
        scroll = QScrollArea(objectName="corpusControls", widgetResizable=True)
        scroll.setWidget(left_column)  # on a short screen the controls scroll, not the window
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMaximumWidth(LEFT_WIDTH + scroll.verticalScrollBar().sizeHint().width())
        row = QHBoxLayout(self)
        row.addWidget(scroll, 0)
        row.addLayout(right, 1)

    def set_presentation(self, on: bool) -> None:
        """In presentation the reading and batching controls give way to the numbers."""
        for box in self.controls:
            box.setVisible(not on)

    # -- reading ---------------------------------------------------------------------------
    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open corpus", "", CORPUS_FILTER)
        if path:
            self.open_file(path)

    def open_file(self, path: str | Path) -> None:
        """Read a corpus file on the thread (the format, field and tokenizer as chosen)."""
        options = {
            "fmt": self.format_combo.currentData(),
            "field": self.field_edit.text().strip() or None,
            "tokenizer": self.tokenizer_combo.currentText(),
        }

        stats = self._stats_options()  # read here: widgets belong to the GUI thread

        def read(progress: Callable[[int, int], None]) -> Any:
            from padviz.core.corpus import read_corpus

            return _with_stats(_kept(read_corpus, path, progress=progress, **options), stats)

        self._start_reading(f"reading {path}…", read, str(path))

    def open_builtin(self) -> None:
        """Python's own standard library docstrings: no file, no network."""
        tokenizer = self.tokenizer_combo.currentText()
        tokenizer = "word" if tokenizer == "ids" else tokenizer

        stats = self._stats_options()

        def read(progress: Callable[[int, int], None]) -> Any:
            from padviz.core.corpus import builtin_corpus

            corpus = _kept(builtin_corpus, progress=progress, tokenizer=tokenizer)
            return _with_stats(corpus, stats)

        self._start_reading("reading the standard library's docstrings…", read)

    def _start_reading(
        self, what: str, job: Callable[[Callable[[int, int], None]], Any], path: str = ""
    ) -> None:
        self._path = path
        self.error.hide()
        self.source_label.setText(what)
        self.progress.setRange(0, 0)  # busy until the first progress report
        self.progress.show()
        self._reading = self._worker.run(job)

    def _stats_options(self) -> dict[str, Any]:
        return {
            "batch_size": self.batch_spin.value(),
            "buckets": self.buckets_spin.value(),
            "max_length": self.max_length_spin.value() or None,
            "edges": self.edges_combo.currentText(),
        }

    def recompute(self) -> None:
        """The batching changed: the statistics again, on the thread."""
        if self.corpus is None or self._reading:
            return
        corpus, options = self.corpus, self._stats_options()

        self._worker.run(lambda progress: _with_stats(corpus, options))

    def _progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, 1000)
            self.progress.setValue(round(1000 * done / total))

    def _done(self, ticket: int, result: Any) -> None:
        if ticket != self._worker.ticket:
            return  # outdated by a later read or edit
        reading, self._reading = self._reading, 0
        self.progress.hide()
        self.corpus, self.stats = result
        self._show()
        if reading and self._path:
            self.fileRead.emit(self._path)

    def _failed(self, ticket: int, message: str) -> None:
        if ticket != self._worker.ticket:
            return
        self._reading = 0
        self.progress.hide()
        self.error.setText(message)
        self.error.show()
        if self.corpus is None:
            self.source_label.setText("No corpus yet: open a file, or take Python's docstrings.")
        else:
            self._show()

    # -- showing ---------------------------------------------------------------------------
    def _show(self) -> None:
        corpus, stats = self.corpus, self.stats
        note = ""
        if corpus.empty:
            note = (
                f"; {corpus.empty:,} lines tokenised to nothing and are not counted "
                f"(the first: line {corpus.first_empty})"
            )
        if corpus.ids is None:
            note += "; token texts not kept (too many tokens): sent batches have made-up ids"
        self.source_label.setText(f"<b>{corpus.name}</b>, {corpus.tokenizer} tokens{note}")
        values = {"sequences": stats.sequences, "tokens": stats.tokens, **stats.lengths}
        half = len(STAT_ROWS) // 2
        for k, name in enumerate(STAT_ROWS):
            value = values[name]
            text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
            row, col = k % half, 2 * (k // half)
            self._cell(self.stats_table, row, col, name)
            self._cell(self.stats_table, row, col + 1, text, right=True)
        best = min(stats.strategies, key=lambda w: w.pad_ratio)
        for row, waste in enumerate(stats.strategies):
            cells = (
                waste.name,
                f"{waste.batches:,}",
                f"{waste.pad_cells:,}",
                f"{waste.total_cells:,}",
                f"{waste.pad_ratio:.1%}",
            )
            for col, text in enumerate(cells):
                self._cell(self.waste_table, row, col, text, right=col > 0, bold=waste is best)
        dropped = ""
        if stats.truncated_tokens:
            dropped = f"{stats.truncated_tokens:,} tokens cut by max length {stats.max_length}. "
        self.recommendation.setText(dropped + stats.recommendation)
        self._draw_histogram(stats.edges, stats.counts)
        self.bucket_spin.setMaximum(stats.buckets)
        self.send_button.setEnabled(True)

    @staticmethod
    def _cell(
        table: QTableWidget, row: int, col: int, text: str, right: bool = False, bold: bool = False
    ) -> None:
        item = QTableWidgetItem(text)
        if right:
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        font = item.font()
        font.setBold(bold)
        item.setFont(font)
        table.setItem(row, col, item)

    def _draw_histogram(self, edges: np.ndarray, counts: np.ndarray) -> None:
        """One bar per bin, equal widths, heights on a log scale (1, 10, 100 ... on the axis):
        a long tail of rare lengths stays visible beside the common ones."""
        heights = np.log10(np.maximum(counts, 1)) + (counts > 0) * 0.3  # a count of 1 shows
        self.bars.setOpts(x=np.arange(counts.size), height=heights, width=0.9)
        top = max(1, math.ceil(float(heights.max(initial=0))))
        self.plot.getAxis("left").setTicks([[(k, f"{10**k:,}") for k in range(top + 1)]])
        step = max(1, math.ceil(counts.size / 10))
        ticks = [(i - 0.45, str(int(edges[i]))) for i in range(0, counts.size, step)]
        self.plot.getAxis("bottom").setTicks([ticks])
        self.plot.setXRange(-0.6, counts.size - 0.4, padding=0)
        self.plot.setYRange(0, top, padding=0.05)

    def _show_bucket_choice(self) -> None:
        self.bucket_spin.setVisible(self.pick_combo.currentData() == "bucket")

    # -- to the explorer -------------------------------------------------------------------
    def send_to_explorer(self) -> bool:
        """Put a batch of the corpus (as the pick box says) into the explorer."""
        if self.corpus is None:
            return False
        from padviz.core.corpus_stats import pick_batch

        cap = self.max_length_spin.value() or MAX_LENGTH
        try:
            batch = pick_batch(
                self.corpus,
                self.pick_combo.currentData(),
                batch_size=self.batch_spin.value(),
                bucket=self.bucket_spin.value() - 1,
                buckets=self.buckets_spin.value(),
                max_length=min(cap, MAX_LENGTH),
            )
        except PadvizError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return False
        self.error.hide()
        self.state.set_batch(batch)
        self.batchSent.emit()
        return True

    def apply_theme(self, theme: Theme) -> None:
        self.plot.setBackground(qcolor(theme.background))
        self.bars.setOpts(brush=qcolor(theme.bar), pen=pg.mkPen(None))
        for axis in ("left", "bottom"):
            self.plot.getAxis(axis).setTextPen(theme.foreground)
        self.error.setStyleSheet(f"color: {theme.error}")


def _with_stats(corpus: Any, options: dict[str, Any]) -> tuple[Any, Any]:
    """Runs on the thread: the corpus and its statistics."""
    from padviz.core.corpus_stats import corpus_stats

    return corpus, corpus_stats(corpus.lengths, **options)


def _kept(read: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Read keeping the token ids (so a sent batch shows the corpus's own tokens); a corpus
    with more tokens than padviz keeps is read again for its lengths only."""
    from padviz.core.corpus import CorpusError
    from padviz.core.limits import MAX_CORPUS_KEPT_TOKENS

    try:
        return read(*args, keep_ids=True, **kwargs)
    except CorpusError as exc:
        if f"{MAX_CORPUS_KEPT_TOKENS:,} tokens" not in str(exc):
            raise
    return read(*args, keep_ids=False, **kwargs)
