"""The whole interface's look: zoom and presentation scale the application font (every view
follows it, pyqtgraph plots included), and the theme sets the Qt palette of every widget."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from padviz.gui.theme import Theme, qcolor

ZOOM_LEVELS = (0.67, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)
PRESENTATION_SCALE = 1.75  # presentation mode's font size, relative to the zoomed one
_BASE_PT = "padvizBaseFontPt"  # the app font size before any zoom, kept on the QApplication


def base_point_size() -> float:
    """The application font's size as the app started (recorded on first use)."""
    app = QApplication.instance()
    value = app.property(_BASE_PT)
    if value is None:
        size = app.font().pointSizeF()
        value = size if size > 0 else 10.0
        app.setProperty(_BASE_PT, value)
    return float(value)


def nearest_zoom(zoom: float) -> float:
    return min(ZOOM_LEVELS, key=lambda level: abs(level - zoom))


class Appearance(QObject):
    """Zoom level and presentation scale; `changed` after the app font was set."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.zoom = 1.0
        self.presenting = False

    @property
    def scale(self) -> float:
        return self.zoom * (PRESENTATION_SCALE if self.presenting else 1.0)

    @property
    def point_size(self) -> float:
        return base_point_size() * self.scale

    def set_zoom(self, zoom: float) -> None:
        self.zoom = nearest_zoom(zoom)
        self.apply()

    def bigger(self) -> float:
        """The next zoom level up (the largest stays)."""
        return next((z for z in ZOOM_LEVELS if z > self.zoom), self.zoom)

    def smaller(self) -> float:
        """The next zoom level down (the smallest stays)."""
        return next((z for z in reversed(ZOOM_LEVELS) if z < self.zoom), self.zoom)

    def set_presenting(self, on: bool) -> None:
        self.presenting = on
        self.apply()

    def apply(self) -> None:
        """Set the application font; widgets and plots that follow it update themselves."""
        app = QApplication.instance()
        font = QFont(app.font())
        font.setPointSizeF(self.point_size)
        app.setFont(font)
        self.changed.emit()


def follow_font_in_plots(root: QWidget, font: QFont) -> None:
    """Give pyqtgraph plots that do not follow the widget font themselves (no `apply_font`)
    tick labels, axis labels, titles and legends in this font."""
    size = f"{font.pointSizeF():.1f}pt"
    for view in root.findChildren(pg.GraphicsView):
        if hasattr(view, "apply_font") or hasattr(view.parent(), "apply_font"):
            continue
        for item in view.scene().items():
            if isinstance(item, pg.AxisItem):
                item.setStyle(tickFont=font)
                item.label.setFont(font)
                item.resizeEvent()
            elif isinstance(item, pg.PlotItem) and item.titleLabel.text:
                item.titleLabel.setText(item.titleLabel.text, size=size)
            elif isinstance(item, pg.LegendItem):
                item.setLabelTextSize(size)
                for _sample, label in item.items:
                    label.setText(label.text)  # LabelItem draws a new size only on setText


def palette_for(theme: Theme) -> QPalette:
    """A Qt palette in the theme's colours, so panels, buttons and labels match the plots."""
    background = qcolor(theme.background)
    foreground = qcolor(theme.foreground)
    dark = background.lightness() < 128
    raised = background.lighter(135) if dark else background.darker(106)
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: background,
        QPalette.ColorRole.WindowText: foreground,
        QPalette.ColorRole.Base: background,
        QPalette.ColorRole.AlternateBase: raised,
        QPalette.ColorRole.Text: foreground,
        QPalette.ColorRole.Button: raised,
        QPalette.ColorRole.ButtonText: foreground,
        QPalette.ColorRole.ToolTipBase: raised,
        QPalette.ColorRole.ToolTipText: foreground,
        QPalette.ColorRole.PlaceholderText: qcolor(theme.muted),
        QPalette.ColorRole.Highlight: qcolor(theme.info),
        QPalette.ColorRole.HighlightedText: QColor("#FFFFFF"),
        QPalette.ColorRole.Link: qcolor(theme.info),
        QPalette.ColorRole.Mid: qcolor(theme.muted),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(QPalette.ColorGroup.Disabled, role, qcolor(theme.muted))
    return palette
