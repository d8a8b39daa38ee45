"""Show code: the torch script that produces the current views, copyable and runnable as shown."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class CodePanel(QWidget):
    """codeView (read-only, selectable) and a Copy button."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("codePanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(QLabel("<b>The torch code behind these views</b>"))
        row.addStretch(1)
        self.copy_button = QPushButton("&Copy")
        self.copy_button.setObjectName("copyCodeButton")
        self.copy_button.clicked.connect(self.copy)
        row.addWidget(self.copy_button)
        layout.addLayout(row)
        self.view = QPlainTextEdit()
        self.view.setObjectName("codeView")
        self.view.setReadOnly(True)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.apply_font()
        layout.addWidget(self.view, 1)

    def apply_font(self) -> None:
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(self.font().pointSizeF())
        self.view.setFont(mono)

    def set_code(self, code: str) -> None:
        if code != self.view.toPlainText():
            self.view.setPlainText(code)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.view.toPlainText())
