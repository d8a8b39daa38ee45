"""The GUI conftest fails a test that leaves a QTimer running or a top-level widget behind, and
says where the timer was created and started. Checked by running small tests with this conftest
in a pytest subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

LEAKY_TESTS = textwrap.dedent(
    """
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QDialog, QWidget


    def make_poller(parent):
        return QTimer(parent, interval=1000)


    def test_leaves_a_timer_running(qtbot):
        owner = QWidget()
        qtbot.addWidget(owner)
        timer = QTimer(interval=1000)  # no parent, kept alive below
        timer.start()
        test_leaves_a_timer_running.keep = timer


    def test_leaves_a_dialog_behind():
        dialog = QDialog()
        dialog.setObjectName("forgotten")
        test_leaves_a_dialog_behind.keep = dialog


    def test_stops_its_timers_and_hands_its_widgets_to_qtbot(qtbot):
        owner = QWidget()
        qtbot.addWidget(owner)
        owned = make_poller(owner)
        owned.start()  # deleted with its owner after the test: not a leak
        alone = QTimer(interval=5)
        alone.start()
        alone.stop()
        QTimer.singleShot(0, lambda: None)
    """
)


def line_of(text: str) -> int:
    """The line number, in LEAKY_TESTS, of the line holding `text`."""
    return next(n for n, line in enumerate(LEAKY_TESTS.splitlines(), 1) if text in line)


def test_leftover_timers_and_widgets_fail_the_test_that_left_them(tmp_path) -> None:
    shutil.copy(Path(__file__).with_name("conftest.py"), tmp_path / "conftest.py")
    (tmp_path / "pytest.ini").write_text("[pytest]\nqt_api = pyside6\n")
    (tmp_path / "test_leaky.py").write_text(LEAKY_TESTS)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rE", str(tmp_path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    out = done.stdout
    assert "3 passed, 2 errors" in out, out[-4000:]  # a teardown error follows a pass
    assert "ERROR test_leaky.py::test_leaves_a_timer_running" in out
    assert "ERROR test_leaky.py::test_leaves_a_dialog_behind" in out
    assert "test left QTimers running" in out
    assert "QTimer '' (interval 1000 ms, parent NoneType): created at" in out
    created, started = line_of("timer = QTimer("), line_of("timer.start()")
    assert f"test_leaky.py:{created} (test_leaves_a_timer_running); started at " in out
    assert f"test_leaky.py:{started} (test_leaves_a_timer_running)\n" in out
    assert "test left top-level widgets behind: QDialog 'forgotten' (hidden)" in out
