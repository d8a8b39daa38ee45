"""Start the Qt application and the main window."""

from __future__ import annotations

import argparse
import sys


def run_app(args: argparse.Namespace) -> int:
    """Open the main window and run the event loop until it closes."""
    from PySide6.QtWidgets import QApplication

    from padviz.gui.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("padviz")
    app.setOrganizationName("padviz")
    window = MainWindow()
    window.show()
    return app.exec()
