"""Start the Qt application and the main window."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from padviz.core.padviz_files import PadvizFile
    from padviz.gui.main_window import MainWindow

# Set (to anything) by benchmarks/startup.py: print start-up marks on stdout and quit.
STARTUP_BENCH_ENV = "PADVIZ_BENCH_STARTUP"


def run_app(args: argparse.Namespace, opened: PadvizFile | None = None) -> int:
    """Open the main window (on `opened`, a file already read and checked) and run the event
    loop until it closes."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from padviz.gui import crash_report
    from padviz.gui.main_window import MainWindow
    from padviz.gui.remembered import reset_settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("padviz")
    app.setOrganizationName("padviz")
    if args.reset_settings:
        reset_settings()
    # While the window lives, an exception a slot lets out is shown in a dialog and logged.
    with crash_report.installed():
        window = MainWindow()
        window.show()
        window.lecture.start(args.lesson, present=args.present)
        if opened is not None:
            window.open_padviz_file(opened)
        if os.environ.get(STARTUP_BENCH_ENV):
            quit_after_first_paint(window)
        QTimer.singleShot(0, freeze_startup_objects)  # once the window is on the screen
        code = app.exec()
        dispose(window)
        gc.unfreeze()  # the window is gone: what it made may be collected again
    return code


def freeze_startup_objects() -> None:
    """Keep everything made so far (modules, Qt wrappers; torch's objects join them when it
    is loaded, padviz.gui.torch_loader) out of the garbage collector's full passes. Each such
    pass took ~250 ms on the GUI thread, a freeze the user sees while editing; what is made
    from now on is still collected as usual."""
    gc.collect()
    gc.freeze()


def dispose(window: QWidget) -> None:
    """Close and delete a window now, without asking about unsaved work (the user has closed
    it already, or it was never theirs): pyqtgraph widgets left for interpreter shutdown can
    crash it (seen as a segmentation fault after the last line of output)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    discard = getattr(window, "discard_unsaved", None)  # a main window asks before closing
    if discard is not None:
        discard()
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def quit_after_first_paint(window: MainWindow) -> None:
    """Print `startup shown T` at the first event-loop turn after show(), `startup loaded T`
    once torch is imported (padviz.gui.torch_loader), then `startup painted T` once the
    explorer's padded view has finished its first paint with a layout, and quit (after a
    minute without that paint, quit anyway). T is time.monotonic(), which the parent process
    can compare with its own clock."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from padviz.gui.torch_loader import torch_loader

    def mark(name: str) -> None:
        print(f"startup {name} {time.monotonic():.6f}", flush=True)

    def painted() -> None:
        mark("painted")
        QApplication.quit()

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint and window.explorer.document is not None:
                watched.removeEventFilter(self)
                QTimer.singleShot(0, painted)  # runs once this paint has finished
            return False

    # Parented to the window, which keeps the Python object alive as long as itself.
    window.explorer.padded_view.viewport().installEventFilter(FirstPaint(window))
    torch_loader().when_loaded(lambda: mark("loaded"))  # said once, then let go
    QTimer.singleShot(0, lambda: mark("shown"))
    # Never hang a benchmark or a test; bound to the window, so it dies with it.
    QTimer.singleShot(60_000, window, QApplication.quit)
