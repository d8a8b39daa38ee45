"""The colour key shared by the heatmaps: token ids, padding, the mask and the highlights."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QWidget

from padviz.gui.theme import Theme, current_theme, qcolor, theme_notifier, token_colors


class Legend(QWidget):
    """One line: a gradient for token ids (lowest to highest id), then swatches."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("legend")
        self.vocab_size = 2
        self.padding_text = "0"
        theme_notifier().themeChanged.connect(self._theme_changed)

    def _theme_changed(self, _theme: object) -> None:
        self.update()

    def set_batch_info(self, vocab_size: int, padding_text: str) -> None:
        if (vocab_size, padding_text) != (self.vocab_size, self.padding_text):
            self.vocab_size, self.padding_text = vocab_size, padding_text
            self.update()

    def sizeHint(self) -> QSize:
        return QSize(600, int(self.fontMetrics().height() * 1.6))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, int(self.fontMetrics().height() * 1.6))

    def _items(self, theme: Theme) -> list[tuple[str, str, str]]:
        """(fill, outline, text) of each swatch after the gradient."""
        return [
            (theme.pad, theme.muted, f"pad (value {self.padding_text})"),
            (theme.mask_real, theme.mask_real, "mask 1 = real token"),
            (theme.pad, theme.muted, "mask 0 = pad"),
            (theme.empty, theme.muted, "not stored (packed)"),
            ("#00000000", theme.hover, "hovered token"),
            (theme.lit, theme.lit, "highlighted"),
        ]

    def paintEvent(self, event) -> None:
        theme = current_theme()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = self.fontMetrics()
        h = fm.height()
        y = (self.height() - h) / 2
        x = 4.0
        fg = qcolor(theme.foreground)
        p.setPen(fg)
        low, high = "1", str(max(self.vocab_size - 1, 1))
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
        x += fm.horizontalAdvance(high) + 2.5 * fm.averageCharWidth()
        for fill, outline, label in self._items(theme):
            pen = QPen(qcolor(outline))
            pen.setWidthF(2.0)
            p.setPen(pen)
            p.setBrush(qcolor(fill))
            p.drawRect(QRectF(x, y + 3, h - 6, h - 6))
            x += h
            p.setPen(fg)
            w = fm.horizontalAdvance(label) + 2
            p.drawText(QRectF(x, y, w, h), Qt.AlignmentFlag.AlignVCenter, label)
            x += w + 2 * fm.averageCharWidth()
        p.end()
