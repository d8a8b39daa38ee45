"""Small widgets the explorer's editors share."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

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
