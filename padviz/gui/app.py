"""Start the Qt application and the main window."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget


def run_app(args: argparse.Namespace) -> int:
    """Open the main window and run the event loop until it closes."""
    from PySide6.QtWidgets import QApplication

    from padviz.gui.main_window import MainWindow
    from padviz.gui.settings import reset_settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("padviz")
    app.setOrganizationName("padviz")
    if args.reset_settings:
        reset_settings()
    window = MainWindow()
    window.show()
    window.lecture.start(args.lesson, present=args.present)
    code = app.exec()
    dispose(window)
    return code


def dispose(window: QWidget) -> None:
    """Close and delete a window now: pyqtgraph widgets left for interpreter shutdown can
    crash it (seen as a segmentation fault after the last line of output)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
