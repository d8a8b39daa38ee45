"""The Training and Bench tabs in the main window: closing or quitting ends every worker."""

from __future__ import annotations

import threading

from PySide6.QtWidgets import QApplication

from padviz.gui.main_window import MainWindow
from padviz.gui.training.controller import RunState
from tests.gui.training_helpers import WAIT_MS, assert_nothing_running, point_counts, tiny


def test_closing_mid_training_leaves_nothing_running(qtbot) -> None:
    threads_before = set(threading.enumerate())
    window = MainWindow()
    qtbot.addWidget(window)
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles[1:3] == ["Training", "Bench"]
    assert window.findChild(object, "trainingPanel") is window.training
    window.tabs.setCurrentWidget(window.training)
    window.show()
    window.training.set_training(tiny(steps=100_000), ["padded-masked", "packed"])
    window.training.start()
    qtbot.waitUntil(lambda: min(point_counts(window.training.masked_plot)) > 0, timeout=WAIT_MS)
    assert window.close()
    assert window.training.controller.state is RunState.STOPPED
    assert_nothing_running(threads_before)


def test_quitting_the_application_stops_the_workers(qtbot) -> None:
    threads_before = set(threading.enumerate())
    window = MainWindow()
    qtbot.addWidget(window)
    window.training.set_training(tiny(steps=100_000), ["packed"])
    window.training.start()
    qtbot.waitUntil(lambda: point_counts(window.training.masked_plot) != [0], timeout=WAIT_MS)
    QApplication.instance().aboutToQuit.emit()
    assert_nothing_running(threads_before)


def test_file_menu_offers_the_training_items(qtbot) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    texts = [a.text().replace("&", "") for a in window.file_menu.actions()]
    for item in ("Open training session…", "Save training session…",
                 "Export loss curves as CSV…", "Export loss plots (PNG/SVG)…",
                 "Export training script…"):
        assert item in texts
