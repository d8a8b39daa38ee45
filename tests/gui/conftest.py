"""GUI test set-up: offscreen Qt, a private settings store per test, and no leftovers.

A test fails if it leaves behind (napari's conftest habit) a running QTimer (the message says
where it was created and started), a top-level widget (once pytest-qt has closed the qtbot
widgets and deferred deletes have run), a worker process or an extra Python thread: closing
the window must stop everything. The crash reporter's dialog never opens in a test: a crash
it reports fails the test instead.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TypeVar

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication, QWidget
from shiboken6 import isValid

import padviz.core.document  # noqa: F401  torch is loaded: as in the app once it is up
from padviz.core.batch import from_lengths
from padviz.gui import crash_report
from padviz.gui.explorer import ExplorerPanel
from padviz.gui.lecture.appearance import base_point_size
from padviz.gui.main_window import MainWindow
from padviz.gui.state import AppState
from padviz.gui.theme import set_theme

ROOT = Path(__file__).resolve().parents[2]
Frames = tuple[tuple[str, int, str], ...]  # (file, line, function), innermost first
T = TypeVar("T")


def _in_project(path: str) -> bool:
    """A file of padviz or of its tests (not a library's)."""
    return "/padviz/" in path or (path.startswith(str(ROOT)) and "site-packages" not in path)


def _call_site(frame: FrameType | None, project_frames: int = 2, most: int = 6) -> Frames:
    """The innermost frames from `frame` out, up to and including the first `project_frames`
    of padviz or its tests, at most `most`, and none of pytest's own."""
    frames: list[tuple[str, int, str]] = []
    in_project = 0
    while frame is not None and len(frames) < most and in_project < project_frames:
        code = frame.f_code
        if any(part in code.co_filename for part in ("/_pytest/", "/pluggy/")):
            break
        frames.append((code.co_filename, frame.f_lineno, code.co_name))
        in_project += _in_project(code.co_filename)
        frame = frame.f_back
    return tuple(frames)


def _format(frames: Frames) -> str:
    def short(path: str) -> str:
        return path.removeprefix(str(ROOT) + "/").rsplit("site-packages/", 1)[-1]

    return " <- ".join(f"{short(file)}:{line} ({name})" for file, line, name in frames) or "?"


def _delete_what_the_test_dropped(request: pytest.FixtureRequest) -> None:
    """Run the deleteLater()s still queued (pytest-qt's close of the qtbot widgets included)
    and drop pytest's references to the test's fixture values, which it keeps until after
    teardown: a widget a fixture returned would otherwise keep its Python children alive
    (pyqtgraph's parentless context menus among them) and look leaked."""
    request.node.funcargs.clear()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _leftovers(find: Callable[[], list[T]]) -> list[T]:
    """What `find` still finds once unreachable objects are collected: a window kept only by a
    reference cycle is not a leak. (gc runs only when needed: it takes ~0.25 s with torch.)"""
    found = find()
    if found:
        del found
        gc.collect()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        found = find()
    return found


@pytest.fixture(autouse=True)
def no_leftover_timers(qapp, monkeypatch, request):
    """Fail the test if a QTimer it created is still running once its widgets are deleted.

    QTimer.__init__ and QTimer.start are wrapped to remember, per live timer, where it was
    created and last started. (QTimer.singleShot is not covered: it fires once and is gone.)
    """
    sites: dict[int, tuple[weakref.ref[QTimer], Frames, Frames]] = {}
    original_init, original_start = QTimer.__init__, QTimer.start

    def recording_init(self: QTimer, *args: object, **kwargs: object) -> None:
        original_init(self, *args, **kwargs)
        sites[id(self)] = (weakref.ref(self), _call_site(sys._getframe(1)), ())

    def recording_start(self: QTimer, *args: object) -> None:
        ref, created, _ = sites.get(id(self), (None, (), ()))
        if ref is None or ref() is not self:  # made by Qt, not by QTimer(...), or an id reused
            ref, created = weakref.ref(self), ()
        sites[id(self)] = (ref, created, _call_site(sys._getframe(1)))
        original_start(self, *args)

    monkeypatch.setattr(QTimer, "__init__", recording_init)
    monkeypatch.setattr(QTimer, "start", recording_start)
    yield
    _delete_what_the_test_dropped(request)

    def running() -> list[tuple[QTimer, Frames, Frames]]:
        timers = ((ref(), created, started) for ref, created, started in sites.values())
        return [
            (timer, created, started)
            for timer, created, started in timers
            if timer is not None and isValid(timer) and timer.isActive()
        ]

    left = _leftovers(running)
    for timer, _, _ in left:
        timer.stop()  # so that it cannot fire into the next test
    if left:
        pytest.fail(
            "test left QTimers running (stop them, or delete their owner):\n"
            + "\n".join(
                f"QTimer {timer.objectName()!r} (interval {timer.interval()} ms, parent "
                f"{type(timer.parent()).__name__}): created at {_format(created)}; "
                f"started at {_format(started)}"
                for timer, created, started in left
            )
        )


@pytest.fixture(autouse=True)
def no_leftover_windows(qapp, request):
    """Fail the test if it leaves a top-level widget behind, shown or not, once pytest-qt has
    closed the qtbot widgets and their deferred deletes have run: close and delete windows,
    dialogs and parentless widgets (or hand them to qtbot.addWidget)."""
    before = set(QApplication.topLevelWidgets())
    yield
    _delete_what_the_test_dropped(request)
    left = _leftovers(lambda: [w for w in QApplication.topLevelWidgets() if w not in before])
    if left:
        counts = Counter(_describe(w) for w in left)
        for widget in left:
            widget.close()
            widget.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        names = [name if n == 1 else f"{n} x {name}" for name, n in counts.items()]
        pytest.fail("test left top-level widgets behind: " + ", ".join(names))


def _describe(widget: QWidget) -> str:
    """Class, object name, title and visibility: enough to find who made it."""
    words = [type(widget).__name__]
    if widget.objectName():
        words.append(repr(widget.objectName()))
    if widget.windowTitle():
        words.append(f"titled {widget.windowTitle()!r}")
    words.append("(visible)" if widget.isVisible() else "(hidden)")
    return " ".join(words)


@pytest.fixture(autouse=True)
def crash_dialogs_fail(monkeypatch, tmp_path):
    """The crash reporter's modal dialog would hang an offscreen test: fail the test instead
    (and keep its log out of the user's folder)."""
    crashes: list[str] = []
    monkeypatch.setattr(crash_report, "log_path", lambda: tmp_path / "errors.log")
    monkeypatch.setattr(
        crash_report.CrashReporter, "show_dialog", lambda self, crash: crashes.append(crash.details)
    )
    yield
    if crashes:
        pytest.fail("the crash reporter caught:\n" + "\n".join(crashes))


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    """Point QSettings at a per-test folder so tests never read or write the user's settings."""
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    yield tmp_path / "settings"


@pytest.fixture(autouse=True)
def no_modal_prompts(monkeypatch):
    """Closing a window with unsaved changes asks through MainWindow.ask_unsaved_changes (and
    ask_unsaved_curves), modal dialogs that would hang an offscreen test: answer "discard"
    unless a test says otherwise (tests of the prompt patch the method themselves)."""
    from padviz.gui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "ask_unsaved_changes", lambda self: "discard")
    monkeypatch.setattr(MainWindow, "ask_unsaved_curves", lambda self: "discard")


@pytest.fixture(autouse=True)
def default_look(qapp):
    """Theme and application font are app-wide: put them back after every test."""
    yield
    set_theme("light")
    font = qapp.font()
    font.setPointSizeF(base_point_size())
    qapp.setFont(font)


@pytest.fixture(autouse=True)
def no_leftover_workers():
    """Fail the test if it leaves child processes or new threads behind."""
    threads_before = {t.ident for t in threading.enumerate()}
    yield
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        children = multiprocessing.active_children()
        extra = [
            t
            for t in threading.enumerate()
            if t.ident not in threads_before and t.is_alive() and not t.daemon
        ]
        if not children and not extra:
            return
        time.sleep(0.05)
    pytest.fail(f"test left workers running: processes={children}, threads={extra}")


@pytest.fixture
def window(qtbot):
    """The main window, shown at its own size (test files that need another size or no
    showing define their own)."""
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def explorer(qtbot):
    """The Explorer tab on its own (the main window's part is tested in test_main_window)."""
    panel = ExplorerPanel(AppState(from_lengths([5, 3, 7])))
    qtbot.addWidget(panel)
    panel.resize(1500, 900)
    panel.show()
    qtbot.waitExposed(panel)
    return panel
