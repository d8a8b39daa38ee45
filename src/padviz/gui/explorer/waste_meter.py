"""What padding costs: the core's waste statistics for the batch as given, sorted and bucketed,
and packed into rows as transformers train.

Drawn with plain text and rectangles (no rich-text tables), so it repaints in well under a
millisecond on every edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QVBoxLayout, QWidget

from padviz.core.options import ORDERS
from padviz.gui.explorer.widgets import ScaledPainting, SteadyLabel
from padviz.gui.theme import current_theme, qcolor

if TYPE_CHECKING:
    from padviz.core.layout import WasteStats  # imports torch

# Room around the figures: a lesson's callout frame (5 px) is drawn over the table's edge.
MARGIN_PX = 8
ROWS = (
    ("real tokens", lambda s: f"{s.real_tokens:,}"),
    ("pad cells", lambda s: f"{s.pad_cells:,}"),
    ("total cells", lambda s: f"{s.total_cells:,}"),
    ("pad ratio", lambda s: f"{s.pad_ratio:.1%}"),
    ("padded memory", lambda s: format_bytes(s.padded_bytes)),
    ("packed memory", lambda s: format_bytes(s.packed_bytes)),
)


def format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = n / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def summary_text(stats: WasteStats, rows: WasteStats | None = None, row_length: int = 0) -> str:
    """The one-line reading of the current layout (wasteLabel), and of the row packing."""
    text = (
        f"Waste: {stats.pad_cells:,} pad cells of {stats.total_cells:,} "
        f"({stats.pad_ratio:.1%} padding); padded {format_bytes(stats.padded_bytes)} vs "
        f"packed {format_bytes(stats.packed_bytes)} ({stats.feature_size} x {stats.dtype} per cell)"
    )
    if rows is None or not row_length:
        return text
    slots = "slot" if rows.pad_cells == 1 else "slots"
    return text + (
        f"; in rows of {row_length}: {rows.total_cells // row_length:,} rows, "
        f"{rows.pad_cells:,} pad {slots}, efficiency {1 - rows.pad_ratio:.1%}"
    )


class WasteTable(ScaledPainting):
    """The figures for every order side by side, the current one in bold, each column topped
    by a bar: real tokens (mask colour) then pads (pad colour)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("wasteTable")
        self.stats: dict[str, WasteStats] = {}
        self.current = "given"
        self.buckets = 2
        self.row_length = 0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_stats(
        self, stats: dict[str, WasteStats], current: str, buckets: int, row_length: int = 0
    ) -> None:
        before = self.sizeHint()
        self.stats, self.current, self.buckets = stats, current, buckets
        self.row_length = row_length
        if self.sizeHint() != before:  # a relayout repaints the whole window: only if needed
            self.updateGeometry()
        self.update()

    def _columns(self) -> list[str]:
        """The orders, then "rows" when the batch could be row-packed."""
        return [*ORDERS, "rows"] if "rows" in self.stats else list(ORDERS)

    def _headers(self) -> list[str]:
        names = {"given": "as given", "sorted": "sorted", "bucketed": f"bucketed ({self.buckets})"}
        rows = self.stats.get("rows")
        if rows is not None and self.row_length:
            names["rows"] = f"{rows.total_cells // self.row_length} rows of {self.row_length}"
        return [names[o] + (" ◀" if o == self.current else "") for o in self._columns()]

    def _column_widths(self) -> tuple[float, list[float]]:
        """The row names' width, then each column's: as wide as its own widest text (bold)."""
        bold = QFont(self.text_font())
        bold.setBold(True)
        fm = QFontMetrics(self.text_font())
        wide = QFontMetricsF(bold)
        first = max(fm.horizontalAdvance(name) for name, _ in ROWS) + 12
        widths = []
        for column, head in zip(self._columns(), self._headers(), strict=True):
            stats = self.stats.get(column)
            texts = [head] + ([fmt(stats) for _, fmt in ROWS] if stats is not None else [])
            widths.append(max(max(wide.horizontalAdvance(t) for t in texts), 60) + 16)
        return first, widths

    def sizeHint(self) -> QSize:
        first, widths = self._column_widths()
        line = QFontMetrics(self.text_font()).height()
        margin = 2 * MARGIN_PX
        return QSize(int(first + sum(widths)) + margin, int(line * (len(ROWS) + 2.4)) + margin)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event) -> None:
        if not self.stats:
            return
        theme = current_theme()
        p = QPainter(self)
        p.translate(MARGIN_PX, MARGIN_PX)
        fg, muted = qcolor(theme.foreground), qcolor(theme.muted)
        line = float(QFontMetrics(self.text_font()).height())
        first, widths = self._column_widths()
        bold = QFont(self.text_font())
        bold.setBold(True)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        left = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        x = first
        for order, head, other in zip(self._columns(), self._headers(), widths, strict=True):
            p.setFont(bold if order == self.current else self.text_font())
            p.setPen(fg)
            p.drawText(QRectF(x, 0, other - 4, line), right, head)
            for r, (_, fmt) in enumerate(ROWS):
                p.drawText(
                    QRectF(x, (r + 1) * line, other - 4, line), right, fmt(self.stats[order])
                )
            self._bar(
                p,
                QRectF(x + 8, (len(ROWS) + 1.3) * line, other - 12, line * 0.8),
                self.stats[order].pad_ratio,
                theme,
                muted,
            )
            x += other
        p.setFont(self.text_font())
        p.setPen(fg)
        for r, (name, _) in enumerate(ROWS):
            p.drawText(QRectF(0, (r + 1) * line, first, line), left, name)
        p.end()

    @staticmethod
    def _bar(p: QPainter, rect: QRectF, pad_ratio: float, theme, outline) -> None:
        real = rect.width() * (1 - pad_ratio)
        p.fillRect(QRectF(rect.left(), rect.top(), real, rect.height()), qcolor(theme.mask_real))
        p.fillRect(
            QRectF(rect.left() + real, rect.top(), rect.width() - real, rect.height()),
            qcolor(theme.pad),
        )
        p.setPen(QPen(outline, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect)


class WasteMeter(QWidget):
    """wasteLabel (pad cells and pad ratio of the current layout, in words) over the table of
    real tokens, pad cells, total cells, pad ratio and padded vs packed memory per order."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = SteadyLabel("wasteLabel")
        self.label.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = WasteTable()
        layout.addWidget(self.label)
        layout.addWidget(self.table)

    def show_stats(
        self, stats: dict[str, WasteStats], current: str, buckets: int, row_length: int = 0
    ) -> None:
        """`stats` from core compare_waste (and "rows", the row-packed batch in rows of
        `row_length`); `current` is the order the views use."""
        text = summary_text(stats[current], stats.get("rows"), row_length)
        self.label.setText(text)
        self.table.set_stats(stats, current, buckets, row_length)
