"""The window opens with only the Explorer built: the other tabs are placeholders, built after
the first paint one per event-loop turn, or at once when something needs them."""

from __future__ import annotations

import ast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from padviz.gui.bench import BenchPanel
from padviz.gui.main_window import TRAINING_FILE_ACTIONS, MainWindow
from padviz.gui.training import TrainingPanel

KEYS = ("explorer", "training", "bench", "corpus", "mistakes")
TITLES = ["Explorer", "Training", "Bench", "Corpus", "Mistakes"]


@pytest.fixture
def window(qtbot) -> MainWindow:
    win = MainWindow()  # not shown: nothing has been painted yet
    qtbot.addWidget(win)
    return win


def titles(window: MainWindow) -> list[str]:
    return [window.tabs.tabText(i) for i in range(window.tabs.count())]


def test_before_the_first_paint_only_the_explorer_is_built(window) -> None:
    assert titles(window) == TITLES
    assert [key for key in KEYS if window.built_tab(key) is not None] == ["explorer"]
    assert window.tabs.currentWidget() is window.explorer


def test_after_the_first_paint_every_tab_is_built_in_its_place(window, qtbot) -> None:
    built: list[str] = []
    window.tabBuilt.connect(lambda key, _panel: built.append(key))
    window.show()
    qtbot.waitUntil(lambda: len(built) == 4)
    assert built == ["training", "bench", "corpus", "mistakes"]
    assert titles(window) == TITLES
    assert [window.tabs.widget(i) for i in range(5)] == [window.built_tab(k) for k in KEYS]
    assert window.tabs.currentIndex() == 0  # building them brought none to the front
    assert isinstance(window.training, TrainingPanel) and isinstance(window.bench, BenchPanel)


def test_a_tab_brought_to_the_front_is_built_before_anyone_sees_it(window) -> None:
    seen: list[QWidget] = []  # what a listener of currentChanged (the lecture) finds there
    window.tabs.currentChanged.connect(lambda _i: seen.append(window.tabs.currentWidget()))
    window.tabs.setCurrentIndex(2)  # as a click on "Bench" does
    bench = window.built_tab("bench")
    assert isinstance(bench, BenchPanel)
    assert seen == [bench] and window.tabs.currentWidget() is bench
    assert window.tabs.tabText(2) == "Bench" and window.built_tab("training") is None


def test_menu_items_reach_tabs_not_built_yet(window, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(TrainingPanel, "ask_save_path", lambda self, *_: tmp_path / "run.py")
    monkeypatch.setattr(TrainingPanel, "ask_item", lambda self, _t, _l, items: items[0])
    actions = {a.text(): a for a in window.file_menu.actions()}
    actions["Export training scrip&t…"].trigger()
    assert window.built_tab("training") is not None
    ast.parse((tmp_path / "run.py").read_text())  # the run's script, whole
    lab = next(a for a in window.view_menu.actions() if a.text() == "&Mistake lab")
    lab.trigger()
    assert window.tabs.currentWidget() is window.built_tab("mistakes") is not None


def test_every_training_file_action_is_a_panel_method() -> None:
    for _text, method in TRAINING_FILE_ACTIONS:
        assert callable(getattr(TrainingPanel, method))


def test_a_tab_built_in_presentation_mode_presents(window) -> None:
    window.lecture.set_presentation(True)
    training = window.training  # built now, after presentation mode began
    assert training.settings_area.isHidden()
    window.lecture.set_presentation(False)
    assert not training.settings_area.isHidden()


def test_the_tab_bar_keeps_its_keyboard_order(window, qtbot) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setFocus()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Tab, Qt.KeyboardModifier.ControlModifier)
    assert window.tabs.currentWidget() is window.built_tab("training") is not None
