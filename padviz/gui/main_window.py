"""The padviz main window."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QMainWindow


class MainWindow(QMainWindow):
    """The app's window; builds without starting an event loop (a QApplication must exist)."""

    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle("padviz")
        self.setCentralWidget(QLabel("padviz"))
        self.resize(1400, 900)
