"""The pitfalls the current batch and options run into, each with the core's explanation."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout

from padviz.core.pitfalls import Pitfall
from padviz.gui.theme import Theme, current_theme, qcolor, theme_notifier

BORDER_PX = 2
HINT_LINES = 4  # the panel asks for room for up to this many lines; more scroll


class PitfallPanel(QFrame):
    """pitfallPanel: visible while there is something to say (pitfalls, or a batch that could
    not be laid out) and it is allowed (`set_allowed`: presentation may not want it)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("pitfallPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.label = QLabel()
        self.label.setObjectName("pitfallText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.label)
        layout.addWidget(scroll)
        self.pitfalls: list[Pitfall] = []
        self._torch_error: str | None = None
        self._failure: str | None = None
        self._allowed = True
        theme_notifier().themeChanged.connect(self._apply_theme)
        self._apply_theme(current_theme())
        self.hide()

    def show_pitfalls(
        self, pitfalls: list[Pitfall], torch_error: str | None = None, failure: str | None = None
    ) -> None:
        """`torch_error`: what torch said when it refused to pack; `failure`: why the batch
        could not be laid out at all (the views keep the last good one)."""
        self.pitfalls = list(pitfalls)
        self._torch_error = torch_error
        self._failure = failure
        self._render(current_theme())

    def sizeHint(self) -> QSize:
        """Room for the whole text up to HINT_LINES lines (a scroll area alone asks little)."""
        hint = super().sizeHint()
        margins = self.contentsMargins().top() + self.contentsMargins().bottom() + 8
        width = max(self.width() - 16, 200)
        lines = self.label.fontMetrics().height() * HINT_LINES
        return QSize(hint.width(), min(self.label.heightForWidth(width), lines) + margins)

    def set_allowed(self, allowed: bool) -> None:
        """Whether the panel may show at all (it still shows only with something to say)."""
        self._allowed = allowed
        self.setVisible(allowed and bool(self.label.text()))

    def _apply_theme(self, theme: Theme) -> None:
        self._render(theme)
        self.update()

    def paintEvent(self, event) -> None:
        """The border in the theme's warning colour, painted: a style sheet would stop the
        panel from following the application font (presentation's large type)."""
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(qcolor(current_theme().warning), BORDER_PX))
        half = BORDER_PX / 2
        painter.drawRoundedRect(self.rect().toRectF().adjusted(half, half, -half, -half), 4, 4)

    def _render(self, theme: Theme) -> None:
        colors = {"error": theme.error, "warning": theme.warning, "info": theme.info}
        parts = []
        if self._failure:
            parts.append(
                f"<p><b style='color:{theme.error}'>Cannot lay this out:</b> "
                f"{escape(self._failure)}</p>"
            )
        for p in self.pitfalls:
            parts.append(
                f"<p><b style='color:{colors[p.severity]}'>{escape(p.title or p.name)}</b> "
                f"<span style='color:{theme.muted}'>({escape(p.name)}, {p.severity})</span><br>"
                f"{escape(p.message)}</p>"
            )
        if self._torch_error:
            parts.append(f"<p><b>torch said:</b> <code>{escape(self._torch_error)}</code></p>")
        text = "".join(parts)
        if text != self.label.text():
            self.label.setText(text)
        self.setVisible(self._allowed and bool(parts))
