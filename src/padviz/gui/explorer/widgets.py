"""Small widgets the explorer shares."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from padviz.gui.theme import Theme, current_theme, theme_notifier


class ErrorLabel(QLabel):
    """A message next to a field: hidden while the field is fine, the reason when it is not."""

    def __init__(self, object_name: str, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setWordWrap(True)
        self.hide()
        theme_notifier().themeChanged.connect(self.apply_theme)
        self.apply_theme(current_theme())

    def apply_theme(self, theme: Theme) -> None:
        self.setStyleSheet(f"color: {theme.error};")

    def show_error(self, message: str) -> None:
        self.setText(message)
        self.show()

    def clear_error(self) -> None:
        self.setText("")
        self.hide()


class SteadyLabel(QWidget):
    """A QLabel (`label`) whose new text repaints only itself.

    QLabel.setText always calls updateGeometry(); every layout above passes that on (Qt
    activates a layout and then updates its widget's geometry unconditionally) up to the main
    window's QTabWidget, which repaints the whole tab for it: a changed number in a status
    line cost a repaint of every view. Here the label sits in a container without a layout,
    which ends that chain; the container asks for a new layout only when the text needs
    another height (more wrapped lines, a larger font)."""

    def __init__(self, object_name: str, text: str = "", *, word_wrap: bool = True) -> None:
        super().__init__()
        self.label = QLabel(text, self)
        self.label.setObjectName(object_name)
        self.label.setWordWrap(word_wrap)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._size = self._needed_size()

    def text(self) -> str:
        return self.label.text()

    def setText(self, text: str) -> None:
        if text != self.label.text():
            self.label.setText(text)
            self._fit()

    def _needed_size(self) -> QSize:
        width = self.width()
        if self.label.wordWrap() and width > 0:
            height = self.heightForWidth(width)
        else:
            height = self.label.sizeHint().height()
        return QSize(self.fontMetrics().averageCharWidth() * 20, height)

    def _fit(self) -> None:
        size = self._needed_size()
        if size != self._size:
            self._size = size
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        return self._size

    def hasHeightForWidth(self) -> bool:
        return self.label.wordWrap()

    def heightForWidth(self, width: int) -> int:
        return max(self.label.heightForWidth(width), self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        """One line at least, as a QLabel: a crowded layout may cut the wrapped lines."""
        lines = self._size.height() if not self.label.wordWrap() else self.fontMetrics().height()
        return QSize(0, lines)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self.label.setGeometry(self.rect())
        self._fit()
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.ApplicationFontChange):
            self._fit()
        super().changeEvent(event)


class ScaledPainting(QWidget):
    """A widget that paints its own text at `scale` times its font, and repaints when the
    theme changes (the legend, the waste table)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scale = 1.0
        theme_notifier().themeChanged.connect(self._theme_changed)

    def _theme_changed(self, _theme: object) -> None:
        self.update()

    def set_scale(self, scale: float) -> None:
        """Draw at `scale` times the widget's font (presentation makes secondary panels
        smaller than its large type, so the heatmaps keep the room)."""
        if scale != self.scale:
            self.scale = scale
            self.updateGeometry()
            self.update()

    def text_font(self) -> QFont:
        font = QFont(self.font())
        if self.scale != 1.0:
            font.setPointSizeF(font.pointSizeF() * self.scale)
        return font
