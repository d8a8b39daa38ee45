"""An exception that escapes to the event loop is logged with its traceback and shown in a
dialog, and the app carries on."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from PySide6.QtWidgets import QMessageBox

from padviz.gui import crash_report
from padviz.gui.crash_report import Crash, CrashReporter, build_dialog


def raised(exc: BaseException) -> BaseException:
    """exc with a real traceback, as sys.excepthook receives it."""
    try:
        raise exc
    except BaseException as caught:
        return caught


@pytest.fixture
def log_file(tmp_path, monkeypatch):
    path = tmp_path / "logs" / "errors.log"
    monkeypatch.setattr(crash_report, "log_path", lambda: path)
    return path


class AnsweredReporter(CrashReporter):
    """Records what the dialog would show and what the previous hook (the terminal) gets."""

    def __init__(self) -> None:
        super().__init__(previous=lambda kind, exc, tb: self.passed_on.append(exc))
        self.passed_on: list[BaseException] = []
        self.shown: list[Crash] = []

    def show_dialog(self, crash: Crash) -> None:
        self.shown.append(crash)


@pytest.fixture
def reporter(qapp):
    hook = AnsweredReporter()
    yield hook
    hook.deleteLater()


def test_the_hook_logs_the_traceback_and_shows_the_dialog(reporter, log_file) -> None:
    exc = raised(RuntimeError("the slot broke"))
    reporter(RuntimeError, exc, exc.__traceback__)
    log = log_file.read_text("utf-8")
    assert "Traceback (most recent call last):" in log
    assert "in raised" in log and log.rstrip().endswith("RuntimeError: the slot broke")
    [crash] = reporter.shown
    assert crash.summary == "RuntimeError: the slot broke"
    assert crash.details in log and crash.log_path == log_file
    assert str(log_file) in crash.where
    assert reporter.passed_on == [exc]  # the terminal still sees it


def test_each_crash_is_appended(reporter, log_file) -> None:
    for message in ("first", "second"):
        exc = raised(ValueError(message))
        reporter(ValueError, exc, exc.__traceback__)
    log = log_file.read_text("utf-8")
    assert log.count("Traceback") == 2 and log.index("first") < log.index("second")
    assert len(reporter.shown) == 2


def test_a_log_that_cannot_be_written_is_said_in_the_dialog(reporter, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(crash_report, "log_path", lambda: blocker / "errors.log")
    exc = raised(RuntimeError("boom"))
    reporter(RuntimeError, exc, exc.__traceback__)
    [crash] = reporter.shown
    assert crash.log_problem and f"could not be saved to {blocker / 'errors.log'}" in crash.where


def test_ctrl_c_is_passed_on_without_a_dialog(reporter, log_file) -> None:
    exc = raised(KeyboardInterrupt())
    reporter(KeyboardInterrupt, exc, exc.__traceback__)
    assert reporter.passed_on == [exc] and reporter.shown == [] and not log_file.exists()


def test_a_crash_while_the_dialog_is_open_is_logged_not_stacked(reporter, log_file) -> None:
    def show_and_crash_again(crash: Crash) -> None:
        reporter.shown.append(crash)
        again = raised(RuntimeError("while the dialog is open"))
        reporter(RuntimeError, again, again.__traceback__)

    reporter.show_dialog = show_and_crash_again
    exc = raised(RuntimeError("first"))
    reporter(RuntimeError, exc, exc.__traceback__)
    assert [c.summary for c in reporter.shown] == ["RuntimeError: first"]
    assert "while the dialog is open" in log_file.read_text("utf-8")


def test_the_dialog_shows_the_message_the_log_and_the_traceback(qapp, tmp_path) -> None:
    crash = Crash("RuntimeError: boom", "Traceback ...\nRuntimeError: boom\n", tmp_path / "e.log")
    box = build_dialog(crash)
    try:
        assert box.icon() == QMessageBox.Icon.Critical
        assert box.text() == "RuntimeError: boom"
        assert str(tmp_path / "e.log") in box.informativeText()
        assert box.detailedText() == crash.details
    finally:
        box.deleteLater()


def test_installed_puts_the_reporter_in_sys_excepthook_and_back(qapp) -> None:
    before = sys.excepthook
    with crash_report.installed() as reporter:
        assert sys.excepthook is reporter and reporter.previous is before
    assert sys.excepthook is before
    reporter.deleteLater()


# The real app, started as `padviz` is: a slot raises once the loop runs; the dialog that
# opens is read and closed, then the still-running window is closed.
APP_WITH_A_BROKEN_SLOT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from padviz.cli import main
    from padviz.gui.main_window import MainWindow

    app = QApplication(sys.argv[:1])

    def broken_slot():
        raise RuntimeError("raised in a slot")

    def answer_the_dialog():
        box = QApplication.activeModalWidget()
        if box is None:
            return
        print("dialog:", box.text(), flush=True)
        print("informative:", box.informativeText(), flush=True)
        box.accept()
        QTimer.singleShot(0, close_the_window)

    def close_the_window():
        [window] = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)]
        print("window still open:", window.isVisible(), flush=True)
        window.close()

    poll = QTimer(app, interval=50, timeout=answer_the_dialog)
    poll.start()
    QTimer.singleShot(0, broken_slot)
    QTimer.singleShot(60_000, app.quit)  # never hang the test
    sys.exit(main([]))
    """
)


def test_the_app_logs_a_broken_slot_and_carries_on(tmp_path) -> None:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-c", APP_WITH_A_BROKEN_SLOT],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    log = tmp_path / "data" / "padviz" / "padviz" / "errors.log"
    assert "dialog: RuntimeError: raised in a slot" in done.stdout
    assert f"The details were added to {log}." in done.stdout
    assert "window still open: True" in done.stdout
    text = log.read_text("utf-8")
    assert "Traceback (most recent call last):" in text and "in broken_slot" in text
    assert "RuntimeError: raised in a slot" in done.stderr  # the terminal sees it too
