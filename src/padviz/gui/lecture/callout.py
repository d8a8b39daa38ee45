"""A thick frame drawn over a widget to point the audience at it (a lesson step's views)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QWidget

from padviz.gui.theme import current_theme, qcolor

FRAME_PX = 5


class Callout(QWidget):
    """Covers its target, lets every mouse event through, and paints only a frame."""

    def __init__(self, target: QWidget) -> None:
        super().__init__(target)
        self.setObjectName("lessonCallout")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.target = target
        target.installEventFilter(self)
        self.setGeometry(target.rect())
        self.raise_()
        self.show()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.target and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.target.rect())
            self.raise_()
        return False

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        pen = QPen(qcolor(current_theme().hover), FRAME_PX)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        half = FRAME_PX // 2
        painter.drawRect(self.rect().adjusted(half, half, -half - 1, -half - 1))

    def remove(self) -> None:
        self.target.removeEventFilter(self)
        self.hide()
        self.deleteLater()
