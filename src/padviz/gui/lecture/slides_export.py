"""File > Export lesson as slides…: `padviz slides` in a child process, so that the window stays
responsive while the lesson's steps are trained and drawn; its progress and errors are shown in
the window. The pages are the same as the command's: it is the command that draws them."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, Signal
from PySide6.QtWidgets import QFileDialog, QMainWindow

from padviz.gui.theme import current_theme

if TYPE_CHECKING:
    from padviz.core.lessons import Lesson

THEME_FLAGS = {"light": "light", "dark": "dark", "contrast": "high-contrast"}  # theme -> --theme
SIZE = "1920x1080"
STOP_WAIT_MS = 1000  # how long a cancelled export may take to end
_PAGE = re.compile(r"^page (\d+) of (\d+)")


class SlidesExport(QObject):
    """One export at a time, for `window`: its status bar says how far it got and where the
    deck went, `report(text)` why there is none. `done(ok, text)` says the same."""

    done = Signal(bool, str)

    def __init__(self, window: QMainWindow, report: Callable[[str], None]) -> None:
        super().__init__(window)
        self.window = window
        self._report = report
        self._process: QProcess | None = None
        self._out = ""
        self._errors = ""
        self._pages = 0

    @property
    def running(self) -> bool:
        return self._process is not None

    def ask_path(self, name: str) -> Path | None:
        """Where to write the slides (tests replace this dialog)."""
        path, _ = QFileDialog.getSaveFileName(
            self.window, "Export lesson as slides", f"{name}.pdf", "PDF (*.pdf)"
        )
        if not path:
            return None
        return Path(path) if Path(path).suffix else Path(path).with_suffix(".pdf")

    def export_dialog(self, lesson: Lesson | None, key: str | None) -> bool:
        """The lesson shown (listed under `key`) as a PDF of slides in the current theme."""
        if lesson is None or key is None:
            self._report("open a lesson first: the slides are made of its steps")
            return False
        if self.running:
            self._report("the slides of a lesson are being exported already")
            return False
        path = self.ask_path(lesson.name)
        return path is not None and self.start(key, path, current_theme().name)

    def start(self, lesson: str, out: Path, theme: str, size: str = SIZE) -> bool:
        """Export lesson `lesson` (a shipped name or a file) to `out` (a .pdf, or a folder for
        PNGs); False while another export runs."""
        if self._process is not None:
            return False
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("QT_QPA_PLATFORM", "offscreen")  # the child never shows a window
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_output)
        process.readyReadStandardError.connect(self._read_output)
        process.finished.connect(self._finished)
        process.errorOccurred.connect(self._failed_to_start)
        self._process, self._out, self._errors, self._pages = process, str(out), "", 0
        arguments = ["-m", "padviz", "slides", "--lesson", lesson, "--out", str(out)]
        arguments += ["--size", size, "--theme", THEME_FLAGS.get(theme, "light")]
        self._show("exporting the slides: starting…")
        process.start(sys.executable, arguments)
        return True

    def cancel(self) -> None:
        """Stop an export (the window is closing): the command is asked to end, and removes
        its unfinished file; one that does not end within a second is killed."""
        process, self._process = self._process, None
        if process is not None:
            process.finished.disconnect(self._finished)
            process.terminate()
            if not process.waitForFinished(STOP_WAIT_MS):
                process.kill()
                process.waitForFinished(STOP_WAIT_MS)
            process.deleteLater()

    def _show(self, text: str, timeout_ms: int = 0) -> None:
        self.window.statusBar().showMessage(text, timeout_ms)

    def _read_output(self) -> None:
        if self._process is not None:
            self._drain(self._process)

    def _drain(self, process: QProcess) -> None:
        """Read what the child wrote: progress lines from stdout, errors from stderr."""
        text = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            match = _PAGE.match(line)
            if match:
                self._pages = int(match[2])
                self._show(f"exporting the slides: page {match[1]} of {match[2]}…")
        self._errors += bytes(process.readAllStandardError().data()).decode("utf-8", "replace")

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        self._drain(process)
        process.deleteLater()
        if code == 0:
            pages = f"{self._pages} page" + ("s" if self._pages != 1 else "")
            self._ended(True, f"exported the slides ({pages}) to {self._out}")
            return
        lines = [line for line in self._errors.splitlines() if line.strip()]
        reason = lines[-1].removeprefix("error: ") if lines else f"exit code {code}"
        self._ended(False, f"cannot export the slides: {reason}")

    def _ended(self, ok: bool, text: str) -> None:
        if ok:
            self._show(text, 10_000)
        else:
            self._report(text)
        self.done.emit(ok, text)

    def _failed_to_start(self, error: QProcess.ProcessError) -> None:
        if error is QProcess.ProcessError.FailedToStart and self._process is not None:
            process, self._process = self._process, None
            process.deleteLater()
            self._ended(False, f"cannot export the slides: {sys.executable} does not start")
