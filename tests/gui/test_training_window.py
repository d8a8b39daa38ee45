"""The Training and Bench tabs in the main window: closing or quitting ends every worker."""

from __future__ import annotations

import threading

import pytest
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
    assert window.training is window.findChild(object, "trainingPanel")  # built on first use
    window.tabs.setCurrentWidget(window.training)
    window.show()
    window.training.set_training(tiny(steps=100_000), ["padded-masked", "packed"])
    window.training.start()
    qtbot.waitUntil(lambda: min(point_counts(window.training.masked_plot)) > 0, timeout=WAIT_MS)
    assert window.close()
    assert window.training.controller.state is RunState.STOPPED
    assert not window.training.controller.poller.polling
    assert_nothing_running(threads_before)


def test_quitting_the_application_stops_the_workers(qtbot) -> None:
    threads_before = set(threading.enumerate())
    window = MainWindow()
    qtbot.addWidget(window)
    window.bench.start(hidden=4, batch_size=4, max_len=8, warmup=0, reps=100_000)
    qtbot.waitUntil(lambda: window.bench.fraction > 0, timeout=WAIT_MS)
    QApplication.instance().aboutToQuit.emit()  # mid-measurement
    assert not window.bench.controller.poller.polling
    assert_nothing_running(threads_before)


def test_file_menu_training_items_write_files_and_report_errors(qtbot, tmp_path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    actions = {a.text().replace("&", ""): a for a in window.file_menu.actions()}
    for item in (
        "Open training session…",
        "Save training session…",
        "Export loss curves as CSV…",
        "Export loss plots (PNG/SVG)…",
        "Export training script…",
    ):
        assert item in actions
    panel = window.training
    panel.ask_save_path = lambda title, name, filters: tmp_path / name
    panel.ask_item = lambda title, label, items: items[-1]  # the packed run
    actions["Save training session…"].trigger()
    actions["Export loss curves as CSV…"].trigger()
    actions["Export training script…"].trigger()
    assert (tmp_path / "padviz-session.json").exists() and (tmp_path / "padviz-curves.csv").exists()
    assert "MODE = 'packed'" in (tmp_path / "padviz_packed.py").read_text()
    panel.ask_open_path = lambda title, filters: tmp_path / "padviz-curves.csv"
    actions["Open training session…"].trigger()  # not a session: said in the window
    assert panel.status_label.text().startswith("error:")


def test_closing_with_unsaved_curves_asks_and_cancel_keeps_them(qtbot, tmp_path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.training.set_training(tiny(steps=5), ["packed"])
    assert not window.training.unsaved_curves()  # nothing trained yet: nothing to lose
    window.training.start()
    qtbot.waitUntil(lambda: window.training.controller.state is RunState.FINISHED, timeout=WAIT_MS)
    assert window.training.unsaved_curves()
    asked: list[str] = []
    window.ask_unsaved_curves = lambda: asked.append("curves") or "cancel"
    assert not window.close()  # cancelled: the window and its curves stay
    assert asked == ["curves"] and len(window.training.controller.curves[0]) == 5

    window.ask_unsaved_curves = lambda: asked.append("curves") or "save"
    window.training.ask_save_path = lambda title, name, filters: tmp_path / "s.json"
    assert window.close()  # saved first, then closed
    assert asked == ["curves", "curves"] and (tmp_path / "s.json").exists()


def test_saved_or_exported_curves_do_not_ask(qtbot, tmp_path) -> None:
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.training.set_training(tiny(steps=3), ["packed"])
    window.training.start()
    qtbot.waitUntil(lambda: window.training.controller.state is RunState.FINISHED, timeout=WAIT_MS)
    window.training.export_csv(tmp_path / "c.csv")
    assert not window.training.unsaved_curves()
    window.ask_unsaved_curves = lambda: pytest.fail("asked about saved curves")
    assert window.close()
