"""What padding costs: the core's waste statistics for the batch as given, sorted and bucketed."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from padviz.core.layout import ORDERS, WasteStats
from padviz.gui.theme import Theme, current_theme, theme_notifier


def format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    size = n / 1024
    for unit in ("KiB", "MiB"):
        if size < 1024:
            return f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _meter(ratio: float, theme: Theme) -> str:
    """A bar: real tokens then pads, as a two-cell HTML table (Qt rich text draws it)."""
    pad = round(ratio * 100)
    real = 100 - pad
    cells = ""
    if real:
        cells += f'<td width="{real}%" bgcolor="{theme.mask_real}"></td>'
    if pad:
        cells += f'<td width="{pad}%" bgcolor="{theme.pad}" style="border:1px solid {theme.muted}"></td>'
    return f'<table width="100%" cellspacing="0" cellpadding="3"><tr>{cells}</tr></table>'


class WasteMeter(QWidget):
    """wasteLabel: real tokens, pad cells, total cells, pad ratio and padded vs packed memory,
    with the same figures for the other orders beside the current one."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel()
        self.label.setObjectName("wasteLabel")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label)
        self._shown: tuple[dict[str, WasteStats], str, int] | None = None
        theme_notifier().themeChanged.connect(lambda _theme: self._render())

    def show_stats(self, stats: dict[str, WasteStats], current: str, buckets: int) -> None:
        """`stats` from core compare_waste; `current` is the order the views use."""
        self._shown = (stats, current, buckets)
        self._render()

    def _render(self) -> None:
        if self._shown is None:
            return
        stats, current, buckets = self._shown
        theme = current_theme()
        heads = {"given": "as given", "sorted": "sorted", "bucketed": f"bucketed ({buckets})"}
        rows = [
            ("real tokens", lambda s: f"{s.real_tokens:,}"),
            ("pad cells", lambda s: f"{s.pad_cells:,}"),
            ("total cells", lambda s: f"{s.total_cells:,}"),
            ("pad ratio", lambda s: f"{s.pad_ratio:.1%}"),
            ("padded memory", lambda s: format_bytes(s.padded_bytes)),
            ("packed memory", lambda s: format_bytes(s.packed_bytes)),
        ]

        def cell(order: str, text: str) -> str:
            weight = "font-weight:bold;" if order == current else ""
            return f'<td align="right" style="{weight}padding:1px 8px">{escape(text)}</td>'

        any_stats = stats[current]
        unit = f"{any_stats.feature_size} x {any_stats.dtype} per cell"
        html = [
            f'<div style="color:{theme.foreground}">',
            f"<b>Waste</b> <span style='color:{theme.muted}'>({escape(unit)})</span>",
            '<table cellspacing="0">',
            "<tr><td></td>"
            + "".join(cell(o, heads[o] + (" ◀" if o == current else "")) for o in ORDERS)
            + "</tr>",
        ]
        for name, fmt in rows:
            html.append(
                f"<tr><td>{name}</td>" + "".join(cell(o, fmt(stats[o])) for o in ORDERS) + "</tr>"
            )
        html.append(
            "<tr><td></td>"
            + "".join(
                f'<td style="padding:2px 8px">{_meter(stats[o].pad_ratio, theme)}</td>' for o in ORDERS
            )
            + "</tr></table></div>"
        )
        self.label.setText("".join(html))
