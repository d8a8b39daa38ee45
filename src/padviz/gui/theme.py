"""Colours of padviz, in one place: every view asks `current_theme()` and follows `themeChanged`.

Palettes are colour-blind safe: series and accents use the Okabe-Ito set, token ids use a
stretch of cividis (readable with any colour vision and in greyscale), and padding gets a colour
outside that stretch, close to the background, so pads read as empty space.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor

from padviz.core.views import EMPTY, PAD, REAL, TOKEN_LEVELS, TOKEN_OFFSET

OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}


@dataclass(frozen=True)
class Theme:
    """All the colours a view may use (hex strings, '#RRGGBB' or '#RRGGBBAA')."""

    name: str
    background: str  # plot and panel background
    foreground: str  # text, axes
    muted: str  # secondary text (pad labels, hints)
    grid: str  # cell separators
    pad: str  # padding cells
    empty: str  # no cell at all (packed grid beyond batch_sizes[t])
    token_map: str  # a pyqtgraph colormap name for token ids
    token_range: tuple[float, float]  # the stretch of token_map used, so pads stay distinct
    mask_real: str  # mask cells that hold a real token
    hover: str  # outline of the hovered token in every view
    lit: str  # cells lit by highlight_time / highlight_cells: '#RRGGBBAA', drawn as a
    # translucent fill with an opaque '#RRGGBB' outline
    bar: str  # bars (lengths, batch_sizes)
    error: str
    warning: str
    info: str
    series: tuple[str, ...]  # curve colours, one per run / strategy


LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    foreground="#1A1A1A",
    muted="#8A8A8A",
    grid="#FFFFFF",
    pad="#ECECEC",
    empty="#FFFFFF",
    token_map="cividis",
    token_range=(0.0, 0.82),
    mask_real=OKABE_ITO["blue"],
    hover=OKABE_ITO["vermillion"],
    lit="#E69F0070",
    bar=OKABE_ITO["sky_blue"],
    error=OKABE_ITO["vermillion"],
    warning=OKABE_ITO["orange"],
    info=OKABE_ITO["blue"],
    series=(
        OKABE_ITO["blue"],
        OKABE_ITO["vermillion"],
        OKABE_ITO["bluish_green"],
        OKABE_ITO["reddish_purple"],
        OKABE_ITO["orange"],
        OKABE_ITO["sky_blue"],
    ),
)

DARK = Theme(
    name="dark",
    background="#1E1E1E",
    foreground="#EDEDED",
    muted="#9A9A9A",
    grid="#1E1E1E",
    pad="#3A3A3A",
    empty="#1E1E1E",
    token_map="cividis",
    token_range=(0.2, 1.0),
    mask_real=OKABE_ITO["sky_blue"],
    hover=OKABE_ITO["vermillion"],
    lit="#E69F00AA",
    bar=OKABE_ITO["blue"],  # light text reads on it and beside it
    error=OKABE_ITO["vermillion"],
    warning=OKABE_ITO["orange"],
    info=OKABE_ITO["sky_blue"],
    series=(
        OKABE_ITO["sky_blue"],
        OKABE_ITO["vermillion"],
        OKABE_ITO["bluish_green"],
        OKABE_ITO["reddish_purple"],
        OKABE_ITO["orange"],
        OKABE_ITO["yellow"],
    ),
)

# For projectors and low vision: black on white, pure black mask, dark tokens on white pads
# outlined in black, strong Okabe-Ito accents (lecture mode's View > Theme > High contrast).
CONTRAST = Theme(
    name="contrast",
    background="#FFFFFF",
    foreground="#000000",
    muted="#444444",
    grid="#000000",
    pad="#FFFFFF",
    empty="#FFFFFF",
    token_map="cividis",
    token_range=(0.0, 0.55),
    mask_real="#000000",
    hover=OKABE_ITO["vermillion"],
    lit="#E69F0080",
    bar=OKABE_ITO["blue"],
    error=OKABE_ITO["vermillion"],
    warning="#A35F00",
    info=OKABE_ITO["blue"],
    series=(
        OKABE_ITO["black"],
        OKABE_ITO["vermillion"],
        OKABE_ITO["blue"],
        OKABE_ITO["bluish_green"],
        OKABE_ITO["reddish_purple"],
        OKABE_ITO["orange"],
    ),
)

THEMES: dict[str, Theme] = {t.name: t for t in (LIGHT, DARK, CONTRAST)}


class ThemeNotifier(QObject):
    """Emits `themeChanged(theme)` when `set_theme` switches the theme."""

    themeChanged = Signal(object)


_current: Theme = LIGHT
_notifier: ThemeNotifier | None = None


def current_theme() -> Theme:
    return _current


def theme_notifier() -> ThemeNotifier:
    """The app-wide notifier (created on first use; a QApplication must exist)."""
    global _notifier
    if _notifier is None:
        _notifier = ThemeNotifier()
    return _notifier


def set_theme(theme: Theme | str) -> Theme:
    """Switch to a theme (or a theme name from THEMES) and tell every view."""
    global _current
    if isinstance(theme, str):
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r} (known: {', '.join(THEMES)})")
        theme = THEMES[theme]
    if theme != _current:
        _current = theme
        theme_notifier().themeChanged.emit(theme)
    return theme


def qcolor(color: str) -> QColor:
    """A theme colour as a QColor; '#RRGGBBAA' keeps its alpha last (Qt itself reads
    eight hex digits as '#AARRGGBB')."""
    if color.startswith("#") and len(color) == 9:
        c = QColor(color[:7])
        c.setAlpha(int(color[7:], 16))
        return c
    return QColor(color)


def rgba(color: str) -> tuple[int, int, int, int]:
    c = qcolor(color)
    return c.red(), c.green(), c.blue(), c.alpha()


def token_colors(theme: Theme, n: int = TOKEN_LEVELS) -> np.ndarray:
    """(n, 4) uint8 RGBA colours for token levels 0..n-1 (low ids to high ids)."""
    from pyqtgraph import colormap

    lo, hi = theme.token_range
    cmap = colormap.get(theme.token_map)
    rgb = cmap.map(np.linspace(lo, hi, n), mode="byte")
    out = np.empty((n, 4), np.uint8)
    out[:, :3] = np.asarray(rgb)[:, :3]
    out[:, 3] = 255
    return out


def token_lut(theme: Theme) -> np.ndarray:
    """(256, 4) uint8 lookup table for the colour codes of padviz.core.views (tokens)."""
    lut = np.zeros((256, 4), np.uint8)
    lut[EMPTY] = rgba(theme.empty)
    lut[PAD] = rgba(theme.pad)
    lut[TOKEN_OFFSET : TOKEN_OFFSET + TOKEN_LEVELS] = token_colors(theme)
    return lut


def mask_lut(theme: Theme) -> np.ndarray:
    """(256, 4) uint8 lookup table for mask codes: pads and real tokens."""
    lut = np.zeros((256, 4), np.uint8)
    lut[EMPTY] = rgba(theme.empty)
    lut[PAD] = rgba(theme.pad)
    lut[REAL] = rgba(theme.mask_real)
    return lut


def contrast(a: str, b: str) -> float:
    """The WCAG contrast ratio of two colours, 1 (none) to 21 (black on white)."""

    def luminance(color: str) -> float:
        channels = np.array(rgba(color)[:3], np.float64) / 255.0
        linear = np.where(
            channels <= 0.04045, channels / 12.92, ((channels + 0.055) / 1.055) ** 2.4
        )
        return float(linear @ np.array([0.2126, 0.7152, 0.0722]))

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable_on(backgrounds: tuple[str, ...], candidates: tuple[str, ...]) -> str:
    """The candidate text colour that reads best on the worst of these backgrounds (text that
    may lie partly on a bar and partly beside it)."""
    return max(candidates, key=lambda text: min(contrast(text, back) for back in backgrounds))


def dark_text(lut: np.ndarray) -> np.ndarray:
    """(len(lut),) bool: True where text on that colour should be dark (light background)."""
    rgb = lut[:, :3].astype(np.float32) / 255.0
    luminance = rgb @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return luminance > 0.45
