"""The explorer: make a batch, watch torch pad, mask and pack it in four linked heatmaps."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from padviz.core.errors import PadvizError
from padviz.core.files import replacing
from padviz.gui.explorer.batch_editor import BatchEditor
from padviz.gui.explorer.code_view import CodePanel
from padviz.gui.explorer.generator_box import GeneratorBox
from padviz.gui.explorer.heatmap import HeatmapView
from padviz.gui.explorer.legend import Legend
from padviz.gui.explorer.options_panel import OptionsPanel
from padviz.gui.explorer.pitfall_panel import PitfallPanel
from padviz.gui.explorer.row_views import RowPackingSection
from padviz.gui.explorer.text_box import TextBox
from padviz.gui.explorer.views import JaggedView, MaskView, PackedView, PaddedView
from padviz.gui.explorer.waste_meter import WasteMeter
from padviz.gui.explorer.widgets import SteadyLabel
from padviz.gui.state import SYNC_CELLS, AppState
from padviz.gui.torch_loader import LOADING

if TYPE_CHECKING:
    from padviz.core.document import Document

HOVER_HINT = "Point at a cell to follow its token through every view."
VIEW_NAMES = ("padded", "mask", "packed", "jagged", "rows", "row_mask")
ROW_VIEWS = frozenset(("rows", "row_mask"))  # drawn only while the row-packing section shows
ROW_CALLOUTS = frozenset(("rowPackingView", "rowMaskView"))
EXPORT_FORMATS = ("png", "svg")
CODE_MIN_WIDTH = 360
COMPUTING = "computing…"
# The notice waits this long: most documents are drawn sooner (256 x 1024: ~20 ms), and a word
# flashing on every keystroke, repainting what lies under it, helps nobody.
COMPUTING_NOTICE_MS = 150
JAGGED_MIN_PX, JAGGED_MAX_PX = 100, 170  # one strip and its labels need no more
SECONDARY_SCALE = 0.75  # the legend and waste table's type in presentation, of its large type
ROOMY_HEIGHT = 700  # ... below this height of the explorer (a 1080-line screen has room)


class ExplorerPanel(QWidget):
    """The Explorer tab. Draws the state's document (computed by padviz.core) when it
    arrives, but only while visible; a hidden panel catches up when shown.

    For other panels and lessons: `highlight_time(t)`, `highlight_cells(cells)`,
    `set_presentation(on)`, `export_view(name, path)`, `export_all(folder, fmt)`."""

    statusMessage = Signal(str)  # the hover line, also for a status bar

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("explorerPanel")
        self.state = state
        self.document: Document | None = None  # the document drawn now
        self._pending: Document | None = None  # arrived while hidden: drawn when shown
        self._steps: deque[Callable[[], None]] = deque()  # what is left to draw of a document
        self._step_timer = QTimer(self)
        self._step_timer.setSingleShot(True)
        self._step_timer.timeout.connect(self._next_step)
        self._lit: tuple[str, object] | None = None  # ("time", t) or ("cells", array)
        self._presenting = False
        self._called_out: frozenset[str] = frozenset()  # secondary panels a lesson step names
        self._in_lesson = False  # a lesson step was shown: its caption says what the header says
        self.current_view = "padded"

        self.padded_view = PaddedView()
        self.mask_view = MaskView()
        self.packed_view = PackedView()
        self.jagged_view = JaggedView()
        self.row_section = RowPackingSection(state)
        self.row_section.hide()
        self._rows_on = False  # the row-packing section is shown (and its views drawn)
        self._jagged_wanted = True  # the jagged strip, unless presentation leaves it out
        self.views: dict[str, HeatmapView] = {
            "padded": self.padded_view,
            "mask": self.mask_view,
            "packed": self.packed_view,
            "jagged": self.jagged_view,
            "rows": self.row_section.rows_view,
            "row_mask": self.row_section.mask_view,
        }
        for name, view in self.views.items():
            view.cellHovered.connect(lambda cell, name=name: self._hovered(name, cell))
        self.packed_view.timeHovered.connect(self._time_hovered)

        self.editor = BatchEditor(state)
        self.generator = GeneratorBox(state)
        self.text_box = TextBox(state)
        self.options_panel = OptionsPanel(state)
        self.waste = WasteMeter()
        self.pitfall_panel = PitfallPanel()
        self.code_panel = CodePanel()
        self.code_panel.hide()
        self.legend = Legend()

        self.batch_info = SteadyLabel("batchInfoLabel")
        self.show_code_button = QPushButton("Show &code")
        self.show_code_button.setObjectName("showCodeButton")
        self.show_code_button.setCheckable(True)
        self.show_code_button.setToolTip("The exact torch code behind these views")
        self.show_code_button.toggled.connect(self.set_code_visible)
        self.rows_button = QPushButton("&Row packing")
        self.rows_button.setObjectName("rowPackingButton")
        self.rows_button.setCheckable(True)
        self.rows_button.setToolTip(
            "Row packing as transformers train: several sequences per row, cu_seqlens, "
            "position ids and the block-diagonal attention mask"
        )
        self.rows_button.toggled.connect(self._show_secondaries)
        self.hover_label = SteadyLabel("hoverStatus", HOVER_HINT, word_wrap=False)
        self.hover_label.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Over the views' top-right corner, outside every layout and empty while idle: showing
        # it must not lay the window out again (that repaints all of it).
        self.computing_label = SteadyLabel("computingLabel", word_wrap=False)
        self.computing_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.computing_label.setAutoFillBackground(True)  # over the header's text, readable
        self.computing_label.setVisible(False)  # until there is something to say
        self._computing_notice = QTimer(self, singleShot=True, interval=COMPUTING_NOTICE_MS)
        self._computing_notice.timeout.connect(self._say_computing)

        self._build()
        state.layoutChanged.connect(self.show_document)
        state.layoutFailed.connect(self._failed)
        state.computingChanged.connect(self._computing)

    # -- building --------------------------------------------------------------------------
    def _build(self) -> None:
        tabs = QTabWidget()
        tabs.setObjectName("batchSourceTabs")
        tabs.addTab(self.editor, "Batch")
        tabs.addTab(self.generator, "Generate")
        tabs.addTab(self.text_box, "Text")
        column = _EditorColumn()
        col_layout = QVBoxLayout(column)
        col_layout.setContentsMargins(0, 0, 0, 0)
        col_layout.addWidget(tabs, 1)
        col_layout.addWidget(self.options_panel)
        self.editor_column = QScrollArea()
        self.editor_column.setObjectName("explorerEditors")
        self.editor_column.setWidgetResizable(True)
        self.editor_column.setFrameShape(QFrame.Shape.NoFrame)
        self.editor_column.setWidget(column)
        self.editor_column.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scrollbar = self.editor_column.verticalScrollBar().sizeHint().width()
        self.editor_column.setMinimumWidth(column.minimumSizeHint().width() + scrollbar)

        header = QHBoxLayout()
        header.addWidget(self.batch_info, 1)
        header.addWidget(self.rows_button, 0, Qt.AlignmentFlag.AlignTop)
        header.addWidget(self.show_code_button, 0, Qt.AlignmentFlag.AlignTop)

        top = QSplitter(Qt.Orientation.Horizontal)
        for k, view in enumerate((self.padded_view, self.mask_view, self.packed_view)):
            top.addWidget(view)
            top.setStretchFactor(k, 13 if view is self.packed_view else 10)
        self.middle = middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(top)
        middle.addWidget(self.row_section)
        middle.addWidget(self.jagged_view)
        for k, stretch in enumerate((5, 5, 1)):  # the heatmaps, the rows, the jagged strip
            middle.setStretchFactor(k, stretch)
        self.jagged_view.setMinimumHeight(JAGGED_MIN_PX)
        self.jagged_view.setMaximumHeight(JAGGED_MAX_PX)  # the heatmaps get the rest

        bottom = QHBoxLayout()
        bottom.addWidget(self.waste, 0)
        bottom.addWidget(self.pitfall_panel, 1)

        views_area = QWidget()
        self.views_area = views_area
        self.computing_label.setParent(views_area)
        views_area.installEventFilter(self)  # keeps the computing notice in its corner
        views_layout = QVBoxLayout(views_area)
        views_layout.setContentsMargins(0, 0, 0, 0)
        views_layout.addLayout(header)
        views_layout.addWidget(middle, 1)
        views_layout.addWidget(self.legend)
        views_layout.addWidget(self.hover_label)
        views_layout.addLayout(bottom)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.editor_column)
        self.splitter.addWidget(views_area)
        self.splitter.addWidget(self.code_panel)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([self.editor_column.minimumWidth(), 1200, 480])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.splitter)

    # -- showing the document -----------------------------------------------------------------
    def show_document(self, document: Document) -> None:
        """Draw a new document in every view (deferred while hidden)."""
        if not self.isVisible():
            self._pending = document
            return
        self._pending = None
        self.document = document
        steps = [partial(self._show_grid, name, document) for name in self._live_views()]
        self._steps = deque([*steps, partial(self._show_panels, document)])
        if document.cells <= SYNC_CELLS:
            while self._steps:
                self._steps.popleft()()
        else:  # one view per event-loop turn: the GUI thread answers in between
            self._next_step()

    @property
    def drawing(self) -> bool:
        """Whether a large document is still being drawn, view after view."""
        return bool(self._steps)

    def _next_step(self) -> None:
        if self._steps:
            self._steps.popleft()()
        if self._steps:
            self._step_timer.start()

    def _show_grid(self, name: str, document: Document) -> None:
        self.views[name].set_grid(getattr(document, name))  # the row grids: built on first use

    def _live_views(self) -> dict[str, HeatmapView]:
        """The views that draw the document now (the row views only while they are shown)."""
        return {n: v for n, v in self.views.items() if self._rows_on or n not in ROW_VIEWS}

    def _show_panels(self, document: Document) -> None:
        options = document.options
        self.waste.show_stats(document.waste, options.order, options.buckets, document.row_length)
        self.pitfall_panel.show_pitfalls(document.layout.pitfalls, document.layout.pack_error)
        self.legend.set_batch_info(document.batch.vocab_size, document.padding_text)
        self.batch_info.setText(document.summary_html)
        if self.code_panel.isVisible():
            self.code_panel.set_code(document.code)
        self._clear_hover()
        self._apply_lit()

    def _computing(self, on: bool) -> None:
        loading = on and self.state.loading
        if on and not loading:
            self._computing_notice.start()  # said if the document is not drawn by then
            return
        self._computing_notice.stop()
        self._notice(LOADING if loading else "")
        if loading:  # the first seconds of a run: say so in the empty views too
            for view in self.views.values():
                view.show_placeholder(LOADING)

    def _say_computing(self) -> None:
        self._notice(COMPUTING)

    def _notice(self, text: str) -> None:
        """Say `text` left of the header's buttons as they are now; hidden while empty (it
        paints the window's colour over the header's text)."""
        self._place_computing_label()
        self.computing_label.setText(text)
        self.computing_label.setVisible(bool(text))

    def _failed(self, message: str) -> None:
        """The batch cannot be laid out: say why; the last good document stays on screen."""
        self.pitfall_panel.show_pitfalls([], failure=message)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.state.ensure_document()
        if self._pending is not None:
            self.show_document(self._pending)
        elif self.document is None and self.state.document is not None:
            self.show_document(self.state.document)

    # -- hover -----------------------------------------------------------------------------
    def _hovered(self, name: str, cell: tuple[int, int] | None) -> None:
        if self.drawing or name not in self._live_views():  # not all on the same document yet
            return
        self.current_view = name
        grid = self.views[name].grid
        key = None if cell is None or grid is None else grid.key_at(*cell)
        if key is None or self.document is None:
            self._clear_hover()
            return
        keys = np.array([key])
        for view in self._live_views().values():
            view.set_hover_cells(view.grid.cells_of(keys))
        self._say(self.document.describe_cell(*key))

    def _time_hovered(self, t: int | None) -> None:
        if self.drawing:
            return
        if t is None or self.document is None:
            self._clear_hover()
            return
        self._show_cells(
            self.document.time_cells(t), self.packed_view.grid.cells_at_time(t), "hover"
        )
        self._say(self.document.describe_time(t))

    def _clear_hover(self) -> None:
        for view in self._live_views().values():
            view.set_hover_cells(None)
        self._say(HOVER_HINT)

    def _say(self, text: str) -> None:
        if text != self.hover_label.text():
            self.hover_label.setText(text)
            self.statusMessage.emit(text)

    # -- highlights (lessons, the packed-time animation) -----------------------------------------
    def highlight_time(self, t: int | None) -> None:
        """Light the packed rows of time step t in packedView and the cells they hold in the
        other views; None clears."""
        self._lit = None if t is None else ("time", int(t))
        self._apply_lit()

    def highlight_cells(self, cells: Iterable[tuple[int, int]]) -> None:
        """Light these batch cells (row, t) in every view that draws them; [] clears."""
        keys = np.asarray(list(cells), np.int64).reshape(-1, 2)
        self._lit = ("cells", keys) if len(keys) else None
        self._apply_lit()

    def lit_cells(self, name: str) -> np.ndarray:
        """(K, 2) the drawn cells (r, c) lit now in view `name`."""
        return self.views[name].lit.cells

    def _apply_lit(self) -> None:
        doc = self.document
        if self.drawing:
            return  # the last step of drawing the document lights the cells
        if doc is None or self._lit is None:
            for view in self._live_views().values():
                view.set_lit_cells(None)
            return
        kind, what = self._lit
        if kind == "time":
            self._show_cells(doc.time_cells(what), self.packed_view.grid.cells_at_time(what), "lit")
        else:
            B, T = doc.layout.B, doc.layout.T
            inside = (what[:, 0] >= 0) & (what[:, 0] < B) & (what[:, 1] >= 0) & (what[:, 1] < T)
            self._show_cells(what[inside], None, "lit")

    def _show_cells(self, keys: np.ndarray, packed_cells: np.ndarray | None, which: str) -> None:
        for name, view in self._live_views().items():
            cells = packed_cells if name == "packed" and packed_cells is not None else None
            if cells is None:
                cells = view.grid.cells_of(keys)
            (view.set_lit_cells if which == "lit" else view.set_hover_cells)(cells)

    # -- code, presentation, export ----------------------------------------------------------------
    def set_code_visible(self, on: bool) -> None:
        if self.show_code_button.isChecked() != on:
            self.show_code_button.setChecked(on)
            return
        self.code_panel.setVisible(on)
        if on:
            if self.document is not None:
                self.code_panel.set_code(self.document.code)
            editors, views, code = self.splitter.sizes()
            if code < CODE_MIN_WIDTH:  # make room: a panel shown at width 0 would look broken
                wanted = max(CODE_MIN_WIDTH, (editors + views + code) // 3)
                self.splitter.setSizes([editors, max(views + code - wanted, 0), wanted])

    def set_presentation(self, on: bool) -> None:
        """Hide the editing controls, the code, the hover hint and the one-line waste summary
        so the views fill the space; the secondary panels give way too, unless a lesson step
        calls them out (`show_secondary`)."""
        self._presenting = on
        self.editor_column.setVisible(not on)
        self.hover_label.setVisible(not on)
        self.waste.label.setVisible(not on)
        self.show_code_button.setVisible(not on)
        self.rows_button.setVisible(not on)
        self.row_section.controls.setVisible(not on)
        self.code_panel.setVisible(not on and self.show_code_button.isChecked())
        self.legend.hover_item = not on  # nobody hovers on a projector
        self._scale_secondaries()
        self._show_secondaries()

    def _scale_secondaries(self) -> None:
        """In presentation on a short screen the legend and waste table use smaller type."""
        short = self._presenting and self.height() < ROOMY_HEIGHT
        for widget in (self.legend, self.waste.table):
            widget.set_scale(SECONDARY_SCALE if short else 1.0)

    def show_secondary(self, names: Iterable[str]) -> None:
        """The secondary panels (SECONDARY: jagged strip, waste table, pitfalls) that a lesson
        step names by object name: in presentation only these are shown, so the heatmaps get
        the room first."""
        self._called_out = frozenset(names)
        self._in_lesson = True
        self._show_secondaries()

    def _show_secondaries(self) -> None:
        def shown(*names: str) -> bool:
            return not self._presenting or not self._called_out.isdisjoint(names)

        self._jagged_wanted = shown("jaggedView")
        rows_called = not self._called_out.isdisjoint(ROW_CALLOUTS)  # by a lesson step
        self._set_rows(rows_called or (not self._presenting and self.rows_button.isChecked()))
        self._fit_jagged()
        projected = rows_called and self._presenting
        if projected:  # the rows get more of the height than the heatmaps above them
            self.middle.setSizes([2000, 3000, 0])  # weights: the splitter scales them
        # a projector's room goes to the transformer views: the RNN's packed view gives way
        self.packed_view.setVisible(not projected or "packedView" in self._called_out)
        self.waste.setVisible(shown("wasteTable", "wasteLabel"))
        self.pitfall_panel.set_allowed(shown("pitfallPanel"))
        self.batch_info.setVisible(not (self._presenting and self._in_lesson))  # caption says it

    def _fit_jagged(self) -> None:
        """On a short explorer the row-packing section takes the jagged strip's place (its
        rows show the same tokens back to back), and leaves its per-row lines out; so does
        presentation, where the caption says them."""
        crowded = self._rows_on and self.height() < ROOMY_HEIGHT
        self.jagged_view.setVisible(self._jagged_wanted and not crowded)
        self.row_section.rows_view.show_summary(not (self._presenting or crowded))

    def _set_rows(self, on: bool) -> None:
        """Show or hide the row-packing section; shown, its views draw the current document."""
        if on == self._rows_on:
            return
        self._rows_on = on
        self.state.rows_wanted = on
        self.row_section.setVisible(on)
        doc = self.document
        if not on or doc is None or self.drawing:
            return
        if doc.cells > SYNC_CELLS and "rows" not in vars(doc):
            self.state.recompute()  # a large batch: its rows are built off the GUI thread
            return
        for name in ROW_VIEWS:
            self._show_grid(name, doc)
        self._apply_lit()

    def export_view(self, name: str, path: str | Path) -> Path:
        """Write view `name` (one of VIEW_NAMES) to a .png (pyqtgraph's ImageExporter, at twice
        the screen size) or .svg file. SVG goes through Qt's QSvgGenerator: pyqtgraph 0.14's
        SVGExporter fails on the closed paths Qt 6 writes (pyqtgraph issue #3495)."""
        path = Path(path)
        fmt = path.suffix.lower().lstrip(".")
        if fmt not in EXPORT_FORMATS:
            raise PadvizError(f"cannot export to {path.name!r}: use a .png or .svg file name")
        if name not in self.views:
            raise PadvizError(f"unknown view {name!r} (views: {', '.join(VIEW_NAMES)})")
        view = self.views[name]
        if name not in self._live_views() and self.document is not None:
            self._show_grid(name, self.document)  # a hidden row view: drawn for the file
        with replacing(path) as temporary:
            if fmt == "png":
                from pyqtgraph import exporters

                exporter = exporters.ImageExporter(view.ci)
                exporter.parameters()["width"] = max(view.width(), 200) * 2
                exporter.export(temporary)
            else:
                _write_svg(view, Path(temporary), f"padviz {name} view")
        return path

    def export_all(self, folder: str | Path, fmt: str = "png") -> list[Path]:
        """Write every view into `folder` as padded.png, mask.png, ... (or .svg)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        return [self.export_view(name, folder / f"{name}.{fmt}") for name in VIEW_NAMES]

    def _place_computing_label(self) -> None:
        metrics = self.computing_label.fontMetrics()
        text = max(COMPUTING, LOADING, key=metrics.horizontalAdvance)
        width = metrics.horizontalAdvance(text) + 8
        height = max(metrics.height() + 4, self.batch_info.height())  # the header's lines
        buttons = [b for b in (self.rows_button, self.show_code_button) if not b.isHidden()]
        right = min((b.x() for b in buttons), default=self.views_area.width()) - 6
        self.computing_label.setGeometry(max(right - width, 0), 0, width, height)
        self.computing_label.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.views_area and event.type() == QEvent.Type.Resize:
            self._place_computing_label()
        return False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._scale_secondaries()
        self._fit_jagged()

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._place_computing_label()
            self.code_panel.apply_font()
            self.legend.updateGeometry()
        super().changeEvent(event)


class _EditorColumn(QWidget):
    """The editors, in a scroll area that sizes them to its viewport. Said plainly: no height
    for width. A wrapped error line (the lengths field's) gave the column one, and the scroll
    area then made it as tall as everything would like (~1000 px), pushing the layout options
    out of view."""

    def hasHeightForWidth(self) -> bool:
        return False

    def heightForWidth(self, _width: int) -> int:
        return -1  # what QScrollArea asks when the layout has a height for width


def _write_svg(widget: QWidget, path: Path, title: str) -> None:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QPainter
    from PySide6.QtSvg import QSvgGenerator

    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(widget.size())
    generator.setViewBox(QRect(0, 0, widget.width(), widget.height()))
    generator.setTitle(title)
    painter = QPainter(generator)
    widget.render(painter)
    painter.end()
