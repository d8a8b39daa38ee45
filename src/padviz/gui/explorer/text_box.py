"""A batch from text: one sentence per line."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from padviz.core.batch import BatchError, from_text
from padviz.gui.explorer.widgets import ErrorLabel
from padviz.gui.state import AppState


class TextBox(QWidget):
    """A batch from text: one sentence per line, word or character tokens."""

    def __init__(self, state: AppState, parent=None) -> None:
        super().__init__(parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("One sentence per line:"))
        self.edit = QPlainTextEdit()
        self.edit.setObjectName("textEdit")
        self.edit.setPlainText("the cat sat on the mat\nhello world\npacking skips the pads")
        layout.addWidget(self.edit, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Tokens:"))
        self.level = QComboBox()
        self.level.setObjectName("tokenLevelCombo")
        self.level.addItems(["word", "char"])
        row.addWidget(self.level)
        row.addStretch(1)
        self.apply_button = QPushButton("&Use text")
        self.apply_button.setObjectName("textApplyButton")
        self.apply_button.clicked.connect(self.apply_text)
        row.addWidget(self.apply_button)
        layout.addLayout(row)
        self.error = ErrorLabel("textError")
        layout.addWidget(self.error)

    def apply_text(self) -> None:
        try:
            batch = from_text(self.edit.toPlainText(), self.level.currentText())  # type: ignore[arg-type]
        except BatchError as exc:
            self.error.show_error(str(exc))
            return
        self.error.clear_error()
        self.state.set_batch(batch)
