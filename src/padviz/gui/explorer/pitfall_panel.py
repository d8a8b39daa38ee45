"""The pitfalls the current batch and options run into, each with the core's explanation."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QVBoxLayout

from padviz.core.pitfalls import Pitfall
from padviz.gui.theme import Theme, current_theme, theme_notifier


class PitfallPanel(QFrame):
    """pitfallPanel: visible while there is something to say (pitfalls, or a batch that could
    not be laid out), hidden otherwise."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("pitfallPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
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

    def _apply_theme(self, theme: Theme) -> None:
        self.setStyleSheet(
            f"#pitfallPanel {{ border: 2px solid {theme.warning}; border-radius: 4px; }}"
        )
        self._render(theme)

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
        self.setVisible(bool(parts))
