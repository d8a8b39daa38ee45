"""A heatmap of one padviz.core.views grid: an ImageItem coloured through a 256-entry lookup
table, cell text, hover and highlight outlines, labelled axes, theme and font following."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Signal
from PySide6.QtGui import QFont, QImage, qRgba

from padviz.core.views import EMPTY, PAD, Grid, Ticks
from padviz.gui.explorer.axes import TickAxis
from padviz.gui.explorer.cell_items import CellOverlay, CellTextItem
from padviz.gui.theme import Theme, current_theme, dark_text, theme_notifier, token_lut

MAX_IMAGE_SIDE = 2048  # longer grids are drawn from a subsample of their visible part
OVERSAMPLE = 2  # ... with about this many grid cells per screen pixel


class CodeImage(pg.ImageItem):
    """An ImageItem for uint8 colour codes and one fixed 256-colour table (the theme's). It
    colours the codes through an Indexed8 QImage whose colour table is built once per theme,
    instead of pyqtgraph's general levels-and-lookup path on every edit, and keeps the result
    as 32-bit colour: drawn as Indexed8, every paint (a hover, a highlight) would convert the
    whole image again."""

    def __init__(self) -> None:
        super().__init__(axisOrder="row-major")
        self._table: list[int] = []

    def set_colors(self, lut: np.ndarray) -> None:
        """The RGBA colour (row) of each code."""
        self.lut = lut
        self._table = [qRgba(*row) for row in lut.tolist()]
        self._renderRequired = True
        self.update()

    def render(self) -> None:
        codes = self.image
        if codes is None or codes.size == 0:
            self._unrenderable = True
            return
        codes = np.ascontiguousarray(codes, np.uint8)
        rows, cols = codes.shape
        image = QImage(codes.data, cols, rows, codes.strides[0], QImage.Format.Format_Indexed8)
        image.setColorTable(self._table)
        self.qimage = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
        self._renderRequired = False
        self._unrenderable = False


class ShrinkingLabel(pg.LabelItem):
    """A label that may be narrower than its text, so a long title never widens the plots,
    and whose new text relayouts the view only when it needs another height (LabelItem asks
    for a new layout on every setText, which repaints the whole view once more)."""

    _laid_out_height: float | None = None

    def updateMin(self) -> None:
        super().updateMin()
        self.setMinimumWidth(0)

    def updateGeometry(self) -> None:
        height = self.itemRect().height()
        if height != self._laid_out_height:
            self._laid_out_height = height
            super().updateGeometry()


def scaled_font(base: QFont, factor: float) -> QFont:
    font = QFont(base)
    size = base.pointSizeF() if base.pointSizeF() > 0 else 10.0
    font.setPointSizeF(size * factor)
    return font


class HeatmapView(pg.GraphicsLayoutWidget):
    """One grid drawn as a heatmap (row 0 at the top). Emits `cellHovered((r, c) | None)` in
    the grid's drawn coordinates as the mouse moves over it."""

    cellHovered = Signal(object)

    def __init__(self, name: str, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.grid: Grid | None = None
        self.title = ShrinkingLabel()
        self.addItem(self.title, row=0, col=0, colspan=2)
        # Every side ours, the hidden right one too: pyqtgraph's own axis rewrites its label's
        # HTML at each range change (an SI prefix), a cost on every edit.
        axes = {side: TickAxis(side) for side in ("left", "bottom", "top", "right")}
        self.plot: pg.PlotItem = self.addPlot(row=1, col=0, axisItems=axes, enableMenu=False)
        self.plot.invertY(True)
        self.plot.hideButtons()
        for side in ("top", "right"):  # given as axis items, pyqtgraph shows them
            self.plot.showAxis(side, False)
        self.vb: pg.ViewBox = self.plot.getViewBox()
        self.vb.setDefaultPadding(0.0)
        self.image = CodeImage()
        self.text = CellTextItem()
        self.lit = CellOverlay("#E69F00", 1.0, "#E69F0099")
        self.hover = CellOverlay("#D55E00", 3.0)
        # The highlight fill goes under the cell text so lit cells stay readable.
        for z, item in enumerate((self.image, self.lit, self.text, self.hover)):
            item.setZValue(z)
            self.plot.addItem(item)
        self._shape: tuple[int, int] | None = None
        self._framing = False
        self._title_look: tuple[str, str, str] | None = None
        self._axis_looks: dict[str, tuple[str, float, str]] = {}
        self._hovered: tuple[int, int] | None = None
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.vb.sigRangeChanged.connect(self._range_changed)
        theme_notifier().themeChanged.connect(self.apply_theme)
        self.apply_theme(current_theme())
        self.apply_font()

    # -- content ---------------------------------------------------------------------------
    def lut(self, theme: Theme) -> np.ndarray:
        """The colour lookup table for this view's codes."""
        return token_lut(theme)

    def set_grid(self, grid: Grid) -> None:
        """Show a grid; the view range resets only when the grid's shape changes."""
        self.grid = grid
        self.text.set_source(grid)
        self._set_title(grid.title)
        # A hidden axis (the jagged strip's) costs nothing: its ticks are not even made.
        if self.plot.getAxis("left").isVisible():
            self._set_axis("left", grid.row_label, grid.row_ticks())
        if self.plot.getAxis("bottom").isVisible():
            self._set_axis("bottom", grid.col_label, grid.col_ticks())
        if grid.shape != self._shape:
            self._shape = grid.shape
            self._framing = True  # the codes are shown once, below, not on each range step
            try:
                self._frame(*grid.shape)
            finally:
                self._framing = False
            # Apply the new range now, not in the first paint: moving the items from inside
            # a paint dirties the view again and costs a second paint.
            self.vb.updateMatrix()
        self._show_codes()

    def show_placeholder(self, text: str) -> None:
        """Say `text` in the title while there is no grid yet (torch still loading)."""
        if self.grid is None:
            self._set_title(text)

    def _frame(self, rows: int, cols: int) -> None:
        """The view's limits and range for a grid of this shape: exactly its cells."""
        self.vb.setLimits(
            xMin=0,
            xMax=max(cols, 1),
            yMin=0,
            yMax=max(rows, 1),
            minXRange=min(1, cols) or 1,
            minYRange=min(1, rows) or 1,
        )
        self.vb.setRange(xRange=(0, max(cols, 1)), yRange=(0, max(rows, 1)), padding=0)

    def _is_huge(self) -> bool:
        return self.grid is not None and max(self.grid.shape) > MAX_IMAGE_SIDE

    def _show_codes(self) -> None:
        """Hand the grid's colour codes to the image: all of them, or for a huge grid (a long
        jagged strip) an even subsample of the visible part, stretched over its place."""
        codes = self.grid.codes
        rows, cols = codes.shape
        if codes.size == 0:  # nothing to draw (torch refused to pack)
            self.image.clear()
            return
        r0, c0, rs, cs = 0, 0, 1, 1
        if self._is_huge():
            (x0, x1), (y0, y1) = self.vb.viewRange()
            c0, c1 = max(int(np.floor(x0)), 0), min(int(np.ceil(x1)), cols)
            r0, r1 = max(int(np.floor(y0)), 0), min(int(np.ceil(y1)), rows)
            size = self.vb.boundingRect()
            wide = max(OVERSAMPLE * int(size.width()), 256)
            tall = max(OVERSAMPLE * int(size.height()), 256)
            cs = max(1, -(-(c1 - c0) // wide))
            rs = max(1, -(-(r1 - r0) // tall))
            codes = np.ascontiguousarray(codes[r0:r1:rs, c0:c1:cs])
        self.image.setImage(codes, levels=None, autoLevels=False, autoDownsample=False)
        self.image.setRect(QRectF(c0, r0, codes.shape[1] * cs, codes.shape[0] * rs))

    def _range_changed(self, *_args) -> None:
        if self._is_huge() and not self._framing:
            self._show_codes()

    def _set_title(self, text: str) -> None:
        """Set the title (only when it changed: a new title lays the plot out again)."""
        look = (text, self._title_size(), self.theme.foreground)
        if look != self._title_look:
            self._title_look = look
            self.title.setText(text, size=look[1], color=look[2])

    def _set_axis(self, side: str, label: str, ticks: Ticks | None) -> None:
        axis = self.plot.getAxis(side)
        look = (label, self._label_pt(), self.theme.foreground)
        if self._axis_looks.get(side) != look:
            self._axis_looks[side] = look
            axis.setLabel(label, **{"font-size": f"{look[1]:.1f}pt", "color": look[2]})
        axis.set_named_ticks(ticks)

    # -- highlights ------------------------------------------------------------------------
    def set_hover_cells(self, cells: np.ndarray | None) -> None:
        self.hover.set_cells(cells)

    def set_lit_cells(self, cells: np.ndarray | None) -> None:
        self.lit.set_cells(cells)

    # -- mouse -----------------------------------------------------------------------------
    def cell_at_scene(self, pos: QPointF) -> tuple[int, int] | None:
        if self.grid is None or not self.vb.sceneBoundingRect().contains(pos):
            return None
        p = self.vb.mapSceneToView(pos)
        r, c = int(np.floor(p.y())), int(np.floor(p.x()))
        rows, cols = self.grid.shape
        if 0 <= r < rows and 0 <= c < cols and self.grid.codes[r, c] != EMPTY:
            return r, c
        return None

    def scene_pos_of(self, r: int, c: int) -> QPointF:
        """The scene position of the centre of drawn cell (r, c)."""
        return self.vb.mapViewToScene(QPointF(c + 0.5, r + 0.5))

    def _mouse_moved(self, pos: QPointF) -> None:
        self._emit_hover(self.cell_at_scene(pos))

    def _emit_hover(self, cell: tuple[int, int] | None) -> None:
        if cell != self._hovered:
            self._hovered = cell
            self.cellHovered.emit(cell)

    def leaveEvent(self, event) -> None:
        self._emit_hover(None)
        super().leaveEvent(event)

    # -- look ------------------------------------------------------------------------------
    def apply_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackground(theme.background)
        for side in ("left", "bottom", "top", "right"):
            axis = self.plot.getAxis(side)
            axis.setPen(theme.foreground)
            axis.setTextPen(theme.foreground)
        self._lut = self.lut(theme)
        self.image.set_colors(self._lut)
        if self.grid is not None:
            self._set_title(self.grid.title)
        self.text.set_style(
            dark_text(self._lut),
            dark="#111111",
            light="#FFFFFF",
            muted=theme.muted,
            grid=theme.grid,
            muted_codes=(PAD,),
            skip_codes=(EMPTY,),
        )
        self.hover.set_style(theme.hover, 3.0)
        self.lit.set_style(theme.lit[:7], 2.0, theme.lit)

    def _label_pt(self) -> float:
        return scaled_font(self.font(), 1.0).pointSizeF()

    def _title_size(self) -> str:
        return f"{self._label_pt() * 1.1:.1f}pt"

    def apply_font(self) -> None:
        """Follow the widget's font (the app font, scaled by a global zoom)."""
        font = self.font()
        for side in ("left", "bottom", "top", "right"):
            self.plot.getAxis(side).setStyle(tickFont=scaled_font(font, 0.9))
        self.text.set_font(font)
        if self.grid is not None:
            self.set_grid(self.grid)

    def changeEvent(self, event) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self.apply_font()
        super().changeEvent(event)
