"""An axis with named ticks (sequence numbers, time steps, offsets) that never overlap: at each
paint it keeps only as many labels as fit the axis's length in pixels."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFontMetricsF

NICE_STEPS = (1, 2, 5)
GAP_CHARS = 2.0  # free space between two labels, in characters


def nice_step(minimum: float, steps: Sequence[float] = NICE_STEPS) -> int:
    """The smallest of steps x 10^k (by default 1, 2, 5, 10, 20, 50, ...) that is >= minimum,
    as a whole number."""
    if minimum <= 1:
        return 1
    power = 10 ** math.floor(math.log10(minimum))
    for base in (*steps, 10):
        if base * power >= minimum:
            return math.ceil(base * power)
    return 10 * power


class TickAxis(pg.AxisItem):
    """Named ticks `(position, label)` when given, pyqtgraph's automatic ticks otherwise."""

    def __init__(self, orientation: str, **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)  # counts and indices: never "x1e3"
        self._ticks: object = None
        self._pos: np.ndarray | None = None
        self._labels: list[str] = []
        self._uniform = False
        self._widths: np.ndarray | None = None  # label widths in pixels, for the current font
        self._width_font: str | None = None

    def set_named_ticks(self, ticks: Sequence[tuple[float, str]] | None) -> None:
        if ticks is self._ticks or (ticks is not None and ticks == self._ticks):
            return  # unchanged: keep the drawn axis
        self._ticks = ticks
        self._widths = None
        if ticks is None or not len(ticks):
            self._pos, self._labels = None, []
        else:
            self._pos = np.array([p for p, _ in ticks], float)
            self._labels = [label for _, label in ticks]
            gaps = np.diff(self._pos)
            self._uniform = len(gaps) == 0 or bool(np.allclose(gaps, gaps[0]))
        self.picture = None
        self.update()

    def _label_px(self) -> np.ndarray:
        """Pixels each label needs along the axis (its width, or its height on a vertical
        axis), gap included; measured once per set of ticks and font."""
        font = self.style["tickFont"] or self.font()
        if self._widths is not None and self._width_font == font.key():
            return self._widths
        fm = QFontMetricsF(font)
        if self.orientation in ("left", "right"):
            widths = np.full(len(self._labels), fm.height() + 2)
        else:
            lengths = np.fromiter(map(len, self._labels), float, len(self._labels))
            longest = self._labels[int(np.argmax(lengths))] if len(lengths) else ""
            per_char = fm.horizontalAdvance(longest) / max(len(longest), 1)
            widths = (lengths + GAP_CHARS) * per_char
        self._widths, self._width_font = widths, font.key()
        return widths

    def tickValues(self, minVal: float, maxVal: float, size: float):
        if self._pos is None:
            return super().tickValues(minVal, maxVal, size)
        lo, hi = min(minVal, maxVal), max(minVal, maxVal)
        if hi <= lo or size <= 0:
            return []
        i0, i1 = np.searchsorted(self._pos, [lo, hi + 1e-9])
        if i1 <= i0:
            return []
        px_per_unit = size / (hi - lo)
        widths = self._label_px()
        if self._uniform:
            spacing = (self._pos[1] - self._pos[0]) if len(self._pos) > 1 else 1.0
            step = nice_step(float(widths[i0:i1].max()) / (spacing * px_per_unit))
            idx = list(range(i0 + (-i0) % step, i1, step))
        else:
            idx, last = [], -math.inf
            xs = (self._pos[i0:i1] * px_per_unit).tolist()
            for i, x, w in zip(range(i0, i1), xs, widths[i0:i1].tolist(), strict=False):
                if x - last >= w:
                    idx.append(i)
                    last = x
        return [(None, [float(self._pos[i]) for i in idx])]

    def tickStrings(self, values, scale, spacing):
        if self._pos is None:
            return super().tickStrings(values, scale, spacing)
        idx = np.searchsorted(self._pos, np.asarray(values, float) - 1e-9)
        return [self._labels[i] if i < len(self._labels) else "" for i in idx.tolist()]
