"""The window opens with only the Explorer built: the other tabs are placeholders, built after
the first paint one per event-loop turn, or at once when something needs them."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

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


# In a fresh interpreter (where no test has imported the panels yet): the window shown, the
# event loop turned until every tab is built, each turn's step recorded.
STEPS = """
import json, os, sys, tempfile
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
app = QApplication([])
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
from padviz.gui.main_window import MainWindow
from padviz.gui.torch_loader import torch_loader
MODULES = %(modules)r
window = MainWindow()
window.show()
torch_loader().wait()
steps, step = [], window._build_next_tab
def recorded():
    before = {m for m in MODULES if m in sys.modules}, {k for k in %(keys)r if window.built_tab(k)}
    step()
    after = {m for m in MODULES if m in sys.modules}, {k for k in %(keys)r if window.built_tab(k)}
    steps.append([sorted(after[0] - before[0]), sorted(after[1] - before[1])])
window._build_next_tab = recorded
while window._builders:
    app.processEvents()
print(json.dumps(steps))
"""


def test_in_the_background_a_tabs_modules_are_imported_a_turn_before_it_is_built() -> None:
    modules = {
        "training": "padviz.gui.training",
        "bench": "padviz.gui.bench",
        "corpus": "padviz.gui.corpus",
        "mistakes": "padviz.gui.explorer.mistakes_panel",
    }
    code = STEPS % {"modules": list(modules.values()), "keys": list(modules)}
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    steps = [step for step in json.loads(out.stdout.splitlines()[-1]) if step != [[], []]]
    expected = []
    for key, module in modules.items():
        expected += [[[module], []], [[], [key]]]  # imported alone, then built alone
    assert steps == expected
