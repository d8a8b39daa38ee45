"""GUI test set-up: offscreen Qt, a private settings store per test, and no leftovers.

A test that leaves a worker process or an extra Python thread running fails: closing the
window must stop everything (napari's conftest habit).
"""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from PySide6.QtCore import QSettings

from padviz.core.batch import from_lengths
from padviz.gui.explorer import ExplorerPanel
from padviz.gui.lecture.appearance import base_point_size
from padviz.gui.state import AppState
from padviz.gui.theme import set_theme


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, qapp):
    """Point QSettings at a per-test folder so tests never read or write the user's settings."""
    QSettings.setPath(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings")
    )
    yield tmp_path / "settings"


@pytest.fixture(autouse=True)
def no_modal_prompts(monkeypatch):
    """Closing a window with unsaved changes asks through MainWindow.ask_unsaved_changes, a
    modal dialog that would hang an offscreen test: answer "discard" unless a test says
    otherwise (tests of the prompt patch the method themselves)."""
    from padviz.gui.main_window import MainWindow

    monkeypatch.setattr(MainWindow, "ask_unsaved_changes", lambda self: "discard")


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
def explorer(qtbot):
    """The Explorer tab on its own (the main window's part is tested in test_main_window)."""
    panel = ExplorerPanel(AppState(from_lengths([5, 3, 7])))
    qtbot.addWidget(panel)
    panel.resize(1500, 900)
    panel.show()
    qtbot.waitExposed(panel)
    return panel
