"""The colour key shared by the heatmaps: token ids, padding, the mask and the highlights."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QLinearGradient, QPainter, QPen

from padviz.gui.explorer.widgets import ScaledPainting
from padviz.gui.theme import Theme, current_theme, qcolor, token_colors


class Legend(ScaledPainting):
    """A gradient for token ids (lowest to highest id), then swatches; the items wrap onto
    more lines where the width is short (a projector), never cut at the edge."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self.vocab_size = 2
        self.padding_text = "0"
        self.hover_item = True  # the "hovered token" swatch (presentation has no mouse)
        policy = self.sizePolicy()
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)

    def set_batch_info(self, vocab_size: int, padding_text: str) -> None:
        if (vocab_size, padding_text) != (self.vocab_size, self.padding_text):
            self.vocab_size, self.padding_text = vocab_size, padding_text
            self.updateGeometry()
            self.update()

    def _line(self) -> float:
        return QFontMetrics(self.text_font()).height() * 1.6

    def sizeHint(self) -> QSize:
        return QSize(int(sum(self._widths())), int(self._line()))

    def minimumSizeHint(self) -> QSize:
        return QSize(int(max(self._widths())), int(self._line()))

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return int(self._line() * (1 + max(row for _, row in self.places(width))))

    def _items(self, theme: Theme) -> list[tuple[str, str, str]]:
        """(fill, outline, text) of each swatch after the gradient."""
        items = [
            (theme.pad, theme.muted, f"pad (value {self.padding_text})"),
            (theme.mask_real, theme.mask_real, "mask 1 = real token"),
            (theme.pad, theme.muted, "mask 0 = pad"),
            (theme.empty, theme.muted, "not stored (packed)"),
        ]
        if self.hover_item:
            items.append(("#00000000", theme.hover, "hovered token"))
        items.append((theme.lit, theme.lit, "highlighted"))
        return items

    def _ends(self) -> tuple[str, str]:
        return "1", str(max(self.vocab_size - 1, 1))

    def _widths(self) -> list[float]:
        """The width of each piece, with the gap after it: the gradient, then each swatch."""
        fm = QFontMetrics(self.text_font())
        h, gap = fm.height(), 2 * fm.averageCharWidth()
        low, high = self._ends()
        gradient = (
            4 + fm.horizontalAdvance("token id") + 8 + fm.horizontalAdvance(low) + 4 + 8 * h + 4
        )
        widths = [gradient + fm.horizontalAdvance(high) + 2.5 * fm.averageCharWidth()]
        for _, _, label in self._items(current_theme()):
            widths.append(h + fm.horizontalAdvance(label) + 2 + gap)
        return widths

    def places(self, width: int) -> list[tuple[float, int]]:
        """(x, line) of each piece laid out in `width` pixels, wrapping between pieces."""
        places, x, row = [], 0.0, 0
        for w in self._widths():
            if x > 0 and x + w > width:
                x, row = 0.0, row + 1
            places.append((x, row))
            x += w
        return places

    def paintEvent(self, event) -> None:
        theme = current_theme()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setFont(self.text_font())
        fm = QFontMetrics(self.text_font())
        h = fm.height()
        line = self._line()
        places = self.places(self.width())
        fg = qcolor(theme.foreground)
        p.setPen(fg)
        x, row = places[0]
        y = row * line + (line - h) / 2
        x += 4.0
        low, high = self._ends()
        text = "token id"
        p.drawText(
            QRectF(x, y, fm.horizontalAdvance(text) + 4, h), Qt.AlignmentFlag.AlignVCenter, text
        )
        x += fm.horizontalAdvance(text) + 8
        p.drawText(
            QRectF(x, y, fm.horizontalAdvance(low) + 2, h), Qt.AlignmentFlag.AlignVCenter, low
        )
        x += fm.horizontalAdvance(low) + 4
        width = 8 * h
        grad = QLinearGradient(x, 0, x + width, 0)
        colors = token_colors(theme, 16)
        for k, rgba in enumerate(colors.tolist()):
            grad.setColorAt(k / (len(colors) - 1), QColor(*rgba))
        p.fillRect(QRectF(x, y + 2, width, h - 4), grad)
        x += width + 4
        p.drawText(
            QRectF(x, y, fm.horizontalAdvance(high) + 2, h), Qt.AlignmentFlag.AlignVCenter, high
        )
        for (fill, outline, label), (x, row) in zip(self._items(theme), places[1:], strict=True):
            y = row * line + (line - h) / 2
            pen = QPen(qcolor(outline))
            pen.setWidthF(2.0)
            p.setPen(pen)
            p.setBrush(qcolor(fill))
            p.drawRect(QRectF(x, y + 3, h - 6, h - 6))
            x += h
            p.setPen(fg)
            p.drawText(
                QRectF(x, y, fm.horizontalAdvance(label) + 2, h),
                Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        p.end()
