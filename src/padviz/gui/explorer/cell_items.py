"""Graphics items drawn over a heatmap whose cells are 1 x 1 units: cell text and outlines.

Both paint only what is visible and fits: text is skipped when cells are too small to hold it,
so a 1024 x 4096 batch costs nothing extra while a 3 x 7 one shows every token.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen

from padviz.gui.theme import qcolor

MAX_TEXT_CELLS = 4000  # never lay out more cell texts than this in one paint
MIN_LINE_PX = 10.0  # draw cell separators only when cells are at least this big
# Cell text is written in the largest of these sizes (of the view's font) that fits: larger
# where cells are roomy (a projector's back row reads them), smaller where they are tight (a
# slightly smaller number beats no number).
TEXT_SCALES = (1.5, 1.25, 1.0, 0.85, 0.7)
# A size above the view's font only where a cell is this many text lines tall and this many
# average characters wide (a two-digit id with a margin either side).
ROOMY, ROOMY_CHARS = 1.7, 4.5


class CellSource(Protocol):
    """What CellTextItem reads: a grid of cells and their text (see padviz.core.views.Grid)."""

    codes: np.ndarray

    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]: ...

    def sublabels(self, r: np.ndarray, c: np.ndarray) -> list[str] | None: ...


class CellTextItem(pg.GraphicsObject):
    """Writes each visible cell's text centred in it, in a colour that reads on the cell,
    and thin separators between cells when they are large enough."""

    def __init__(self) -> None:
        super().__init__()
        self._source: CellSource | None = None
        self._bounds = QRectF()
        self._dark = np.zeros(256, bool)
        self._skip = np.zeros(256, bool)  # codes that get no text (EMPTY)
        self._colors = (QColor("black"), QColor("white"), QColor("gray"), QColor("white"))
        self._muted_codes = np.zeros(256, bool)
        self._font = QFont()
        self.painted_cells = 0  # text cells drawn in the last paint (for tests and profiling)

    def set_source(self, source: CellSource | None) -> None:
        self.prepareGeometryChange()
        self._source = source
        rows, cols = source.codes.shape if source is not None else (0, 0)
        self._bounds = QRectF(0, 0, cols, rows)
        self.update()

    def set_style(
        self,
        dark_text: np.ndarray,
        *,
        dark: str,
        light: str,
        muted: str,
        grid: str,
        muted_codes: tuple[int, ...] = (),
        skip_codes: tuple[int, ...] = (),
    ) -> None:
        """dark_text[code]: whether text on that colour code is dark; muted codes (pads) get
        the muted colour; skip codes get no text."""
        self._dark = np.asarray(dark_text, bool)
        self._muted_codes = np.zeros(256, bool)
        self._muted_codes[list(muted_codes)] = True
        self._skip = np.zeros(256, bool)
        self._skip[list(skip_codes)] = True
        self._colors = (qcolor(dark), qcolor(light), qcolor(muted), qcolor(grid))
        self.update()

    def set_font(self, font: QFont) -> None:
        self._font = QFont(font)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def _visible(self) -> tuple[int, int, int, int] | None:
        vb = self.getViewBox()
        if vb is None or self._bounds.isEmpty():
            return None
        view = self.mapRectFromView(vb.viewRect()).intersected(self._bounds)
        if view.isEmpty():
            return None
        r0, c0 = int(np.floor(view.top())), int(np.floor(view.left()))
        r1, c1 = int(np.ceil(view.bottom())), int(np.ceil(view.right()))
        return r0, r1, c0, c1

    def paint(self, painter: QPainter, *args) -> None:
        self.painted_cells = 0
        src = self._source
        span = self._visible() if src is not None else None
        if span is None:
            return
        r0, r1, c0, c1 = span
        tf = painter.transform()
        cw, ch = abs(tf.m11()), abs(tf.m22())
        painter.save()
        painter.resetTransform()
        if cw >= MIN_LINE_PX and ch >= MIN_LINE_PX and (r1 - r0) + (c1 - c0) < 2 * MAX_TEXT_CELLS:
            self._paint_lines(painter, tf, r0, r1, c0, c1)
        font = self.fitting_font(cw, ch)
        if font is not None and (r1 - r0) * (c1 - c0) <= MAX_TEXT_CELLS:
            self._paint_text(painter, tf, font, r0, r1, c0, c1)
        painter.restore()

    def fitting_font(self, cell_width: float, cell_height: float) -> QFont | None:
        """The largest of the TEXT_SCALES of the font whose text fits cells this size (in
        pixels), or None: then no text is written."""
        for scale in TEXT_SCALES:
            font = QFont(self._font)
            if scale != 1.0:
                font.setPointSizeF(self._font.pointSizeF() * scale)
            fm = QFontMetricsF(font)
            roomy = scale > 1.0
            tall = cell_height >= fm.height() * (ROOMY if roomy else 0.95)
            wide = cell_width >= fm.averageCharWidth() * (ROOMY_CHARS if roomy else 1.6)
            if tall and wide:
                return font
        return None

    def _paint_lines(self, painter: QPainter, tf, r0: int, r1: int, c0: int, c1: int) -> None:
        pen = QPen(self._colors[3])
        pen.setWidthF(1.0)
        painter.setPen(pen)
        left, right = max(c0, 0), min(c1, int(self._bounds.width()))
        top, bottom = max(r0, 0), min(r1, int(self._bounds.height()))
        for r in range(top, bottom + 1):
            painter.drawLine(tf.map(pg.Point(left, r)), tf.map(pg.Point(right, r)))
        for c in range(left, right + 1):
            painter.drawLine(tf.map(pg.Point(c, top)), tf.map(pg.Point(c, bottom)))

    def _paint_text(
        self, painter: QPainter, tf, font: QFont, r0: int, r1: int, c0: int, c1: int
    ) -> None:
        src = self._source
        fm = QFontMetricsF(font)
        rr, cc = np.mgrid[r0:r1, c0:c1]
        rr, cc = rr.ravel(), cc.ravel()
        codes = src.codes[rr, cc]
        keep = ~self._skip[codes]
        rr, cc, codes = rr[keep], cc[keep], codes[keep]
        if not len(rr):
            return
        labels = src.labels(rr, cc)
        cell = tf.mapRect(QRectF(0, 0, 1, 1))
        two_lines = cell.height() >= 2.2 * fm.height()
        subs = src.sublabels(rr, cc) if two_lines else None
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() * 0.72, 5.0))
        fm_small = QFontMetricsF(small)
        width = cell.width() - 2
        fm_base = QFontMetricsF(self._font)
        dark, light, muted, _ = self._colors
        dark_codes, muted_codes = self._dark[codes], self._muted_codes[codes]
        for k, text in enumerate(labels):
            rect = tf.mapRect(QRectF(float(cc[k]), float(rr[k]), 1.0, 1.0))
            color = muted if muted_codes[k] else (dark if dark_codes[k] else light)
            painter.setPen(color)
            label_font = font
            if fm.horizontalAdvance(text) > width and fm_base.horizontalAdvance(text) <= width:
                label_font = self._font  # a long word in the view's own size, not clipped
            elif fm.horizontalAdvance(text) > width:
                if muted_codes[k]:  # a clipped pad label is noise: the colour says "pad"
                    continue
                text = fm.elidedText(text, Qt.TextElideMode.ElideRight, width)
                if len(text) <= 1:
                    continue
            painter.setFont(label_font)
            if subs is None:
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
                continue
            top = QRectF(rect.left(), rect.top(), rect.width(), rect.height() * 0.6)
            painter.drawText(
                top, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, text
            )
            painter.setFont(small)
            bottom = QRectF(rect.left(), top.bottom(), rect.width(), rect.height() * 0.4)
            sub = fm_small.elidedText(subs[k], Qt.TextElideMode.ElideRight, width)
            painter.drawText(bottom, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, sub)
        self.painted_cells = len(labels)


class CellOverlay(pg.GraphicsObject):
    """Outlines (and optionally fills) a set of cells, with a pen that keeps its pixel width."""

    def __init__(self, color: str, width: float = 3.0, fill: str | None = None) -> None:
        super().__init__()
        self._cells = np.zeros((0, 2), np.int64)
        self._bounds = QRectF()
        self.set_style(color, width, fill)

    def set_style(self, color: str, width: float = 3.0, fill: str | None = None) -> None:
        self._pen = QPen(qcolor(color))
        self._pen.setWidthF(width)
        self._pen.setCosmetic(True)
        self._pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        self._brush = qcolor(fill) if fill else None
        self.update()

    @property
    def cells(self) -> np.ndarray:
        """(K, 2) the (r, c) cells drawn now."""
        return self._cells

    def set_cells(self, cells: np.ndarray | None) -> None:
        cells = np.zeros((0, 2), np.int64) if cells is None else np.asarray(cells).reshape(-1, 2)
        if len(cells) == 0 and len(self._cells) == 0:
            return  # nothing lit before or now: no repaint
        self.prepareGeometryChange()
        self._cells = cells
        if len(cells):
            r0, c0 = cells.min(axis=0)
            r1, c1 = cells.max(axis=0) + 1
            self._bounds = QRectF(float(c0), float(r0), float(c1 - c0), float(r1 - r0))
        else:
            self._bounds = QRectF()
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds.adjusted(-0.5, -0.5, 0.5, 0.5) if len(self._cells) else QRectF()

    def paint(self, painter: QPainter, *args) -> None:
        if not len(self._cells):
            return
        rects = [QRectF(float(c), float(r), 1.0, 1.0) for r, c in self._cells.tolist()]
        painter.setPen(self._pen)
        if self._brush is not None:
            painter.setBrush(self._brush)
        else:
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRects(rects)


class MarkLabels(pg.GraphicsObject):
    """Labels at x positions along a one-row strip (rows 0..1), written just above or below it
    and thinned so they never overlap. Painting only the visible ones is far cheaper than an
    axis, which pyqtgraph lays out again whenever its range changes."""

    GAP = 0.15  # between the strip and the labels, in strip heights (cut marks reach into it)

    def __init__(self, above: bool) -> None:
        super().__init__()
        self.above = above
        self._pos = np.zeros(0)
        self._labels: list[str] = []
        self._lengths: list[int] = []
        self._font = QFont()
        self._color = QColor("black")
        self.painted_labels: list[str] = []  # drawn in the last paint (for tests)

    def set_marks(self, positions: np.ndarray, labels: list[str]) -> None:
        self.prepareGeometryChange()
        self._pos = np.asarray(positions, float)
        self._labels = list(labels)
        self._lengths = [len(text) for text in self._labels]
        self.update()

    def set_style(self, font: QFont, color: str) -> None:
        self._font, self._color = QFont(font), qcolor(color)
        self.update()

    def boundingRect(self) -> QRectF:
        if not len(self._pos):
            return QRectF()
        left, right = float(self._pos.min()), float(self._pos.max())
        return QRectF(left - 1, -1.0 if self.above else 1.0, right - left + 2, 1.0)

    def paint(self, painter: QPainter, *args) -> None:
        self.painted_labels = []
        vb = self.getViewBox()
        if vb is None or not len(self._pos):
            return
        view = vb.viewRect()
        i0, i1 = (int(i) for i in np.searchsorted(self._pos, [view.left(), view.right()]))
        if i1 <= i0:
            return
        tf = painter.transform()  # item -> device: a scale and a shift, no rotation
        fm = QFontMetricsF(self._font)
        char = fm.averageCharWidth()
        edge = tf.map(pg.Point(0.0, -self.GAP if self.above else 1.0 + self.GAP)).y()
        top = edge - fm.height() if self.above else edge
        # never look at more marks than could possibly fit side by side
        room = abs(tf.m11()) * (view.right() - view.left())
        shortest = max(min(self._lengths[i0:i1]) + 1, 2) * char
        stride = max(1, -(-(i1 - i0) * int(shortest) // max(int(room), 1)))
        idx = np.arange(i0, i1, stride)
        xs = (self._pos[idx] * tf.m11() + tf.dx()).tolist()
        halves = (np.asarray(self._lengths)[idx] * char / 2).tolist()
        painter.save()
        painter.resetTransform()
        painter.setFont(self._font)
        painter.setPen(self._color)
        last_right = -np.inf
        for i, x, half in zip(idx.tolist(), xs, halves, strict=True):
            if x - half < last_right + char:
                continue
            text = self._labels[i]
            width = fm.horizontalAdvance(text)
            painter.drawText(
                QRectF(x - width / 2, top, width + 1, fm.height()),
                Qt.AlignmentFlag.AlignCenter,
                text,
            )
            self.painted_labels.append(text)
            last_right = x + width / 2
        painter.restore()
