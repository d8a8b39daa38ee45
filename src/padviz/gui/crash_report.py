"""Exceptions that escape to the event loop are bugs: show each in a dialog and log it.

Qt calls `sys.excepthook` for an exception a slot or an event handler lets out, and carries on.
`installed()` puts a CrashReporter there while the app runs: it appends the traceback to
`log_path()` (AppLocalDataLocation/errors.log, e.g. ~/.local/share/padviz/padviz/errors.log on
Linux), passes it on to the previous hook (the terminal) and shows a dialog with the message, the
log's path and the traceback behind "Show Details...". Bad input (PadvizError) is the views' job
to show where it happened; it only gets here when a view forgot to catch it.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QStandardPaths, Signal
from PySide6.QtWidgets import QMessageBox

from padviz import __version__

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]
LOG_NAME = "errors.log"


def log_path() -> Path:
    """The per-user error log (Qt's AppLocalDataLocation for padviz)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppLocalDataLocation)
    return Path(folder) / LOG_NAME


@dataclass(frozen=True)
class Crash:
    """One uncaught exception: what it says, its traceback and where it was logged."""

    summary: str  # "RuntimeError: what went wrong"
    details: str  # the formatted traceback
    log_path: Path
    log_problem: str | None = None  # why the log could not be written, if it could not

    @property
    def where(self) -> str:
        """One sentence on the log, for the dialog."""
        if self.log_problem is None:
            return f"The details were added to {self.log_path}."
        return f"The details could not be saved to {self.log_path}: {self.log_problem}."


def append_to_log(crash: Crash) -> Crash:
    """Append the crash to its log file; the returned crash says if that failed."""
    stamp = datetime.now().isoformat(timespec="seconds")
    try:
        crash.log_path.parent.mkdir(parents=True, exist_ok=True)
        with crash.log_path.open("a", encoding="utf-8") as log:
            log.write(f"--- {stamp} padviz {__version__}\n{crash.details}\n")
    except OSError as exc:
        return Crash(crash.summary, crash.details, crash.log_path, exc.strerror or str(exc))
    return crash


def build_dialog(crash: Crash) -> QMessageBox:
    """The message box for a crash: summary, log path, the traceback under Show Details."""
    box = QMessageBox(QMessageBox.Icon.Critical, "padviz: unexpected error", crash.summary)
    box.setInformativeText(
        "This is a bug in padviz, not something you did. The app carries on, but what you "
        f"were doing may not have finished. {crash.where}"
    )
    box.setDetailedText(crash.details)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    return box


class CrashReporter(QObject):
    """A sys.excepthook that logs every uncaught exception and shows it in a dialog.

    The dialog is shown in the GUI thread, one at a time: crashes that happen while one is
    open (a timer that keeps failing) are logged and printed, not stacked up.
    """

    _caught = Signal(object)  # a Crash; queued to the GUI thread when raised in another one

    def __init__(self, previous: ExceptHook) -> None:
        super().__init__()
        self.previous = previous
        self.showing = False
        self._caught.connect(self._show_once)

    def __call__(
        self, kind: type[BaseException], exc: BaseException, tb: TracebackType | None
    ) -> None:
        self.previous(kind, exc, tb)
        if issubclass(kind, KeyboardInterrupt):
            return
        details = "".join(traceback.format_exception(kind, exc, tb))
        summary = "".join(traceback.format_exception_only(kind, exc)).strip()
        self._caught.emit(append_to_log(Crash(summary, details, log_path())))

    def show_dialog(self, crash: Crash) -> None:
        """Show the crash and wait for the user to dismiss it (tests replace this)."""
        box = build_dialog(crash)
        box.exec()
        box.deleteLater()

    def _show_once(self, crash: Crash) -> None:
        if self.showing:
            return
        self.showing = True
        try:
            self.show_dialog(crash)
        finally:
            self.showing = False


@contextmanager
def installed() -> Iterator[CrashReporter]:
    """Report uncaught exceptions with a CrashReporter until the block ends. Enter it in the
    GUI thread: the reporter lives there, and its dialogs show there."""
    previous = sys.excepthook
    reporter = CrashReporter(previous)
    sys.excepthook = reporter
    try:
        yield reporter
    finally:
        sys.excepthook = previous
