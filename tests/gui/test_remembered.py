"""What the window remembers between runs (gui/remembered.py): a new window brings back what the
last one left, `reset_settings` forgets it, and a stored value that cannot be read is skipped
with a message while the window opens with everything else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QByteArray
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from padviz.core.batch import from_lengths, save_json
from padviz.core.options import LayoutOptions
from padviz.gui import remembered as keys
from padviz.gui.main_window import MainWindow
from padviz.gui.remembered import Remembered, app_settings, reset_settings
from padviz.gui.theme import current_theme, set_theme

OPTIONS = LayoutOptions(batch_first=True, order="bucketed", buckets=3)


@pytest.fixture
def open_window(qtbot):
    """Open a new main window, as a new run of the app would."""

    def open_() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return open_


def _trigger(window: MainWindow, name: str) -> None:
    action = window.findChild(QAction, name)
    assert action is not None, name
    action.trigger()


def _write_lesson(path: Path) -> Path:
    step = {"batch": {"lengths": [4, 2, 6]}, "caption": "{pad_cells} pads"}
    lesson = {"format": "padviz-lesson", "version": 1, "title": "Mine", "description": "Mine."}
    lesson["steps"] = [step]
    path.write_text(json.dumps(lesson), "utf-8")
    return path


def _recent_menu(window: MainWindow) -> list[str]:
    window.recent_menu.aboutToShow.emit()
    return [action.text() for action in window.recent_menu.actions()]


def test_a_new_window_brings_back_what_the_last_one_remembered(open_window, tmp_path) -> None:
    first = open_window()
    lesson = _write_lesson(tmp_path / "mine.json")
    assert first.lecture.open_lesson(str(lesson))
    _trigger(first, "theme_dark")
    _trigger(first, "zoomInAction")
    saved, opened = tmp_path / "saved.json", tmp_path / "opened.json"
    save_json(from_lengths([1, 2]), opened)
    assert first.save_file(saved) and first.open_file(opened)
    first.state.set_batch(from_lengths([3, 9, 4]))
    first.state.set_options(OPTIONS)
    first.resize(900, 650)
    first.lecture.dock.hide()  # the panel layout: the lesson dock closed
    assert first.close()

    set_theme("light")  # what a new run starts with
    second = open_window()
    assert current_theme().name == "dark"
    assert second.lecture.appearance.zoom == 1.1
    assert second.state.batch.lengths == [3, 9, 4]
    assert second.state.options == OPTIONS
    assert _recent_menu(second) == [str(opened.resolve()), str(saved.resolve())]
    assert second.lecture.player.files() == [str(lesson)]
    assert second.lecture.dock.isHidden()
    assert second.height() == 650  # the width is held to the content's minimum offscreen
    assert second.statusBar().currentMessage() == ""  # nothing was skipped


def test_reset_settings_forgets_everything(open_window, tmp_path) -> None:
    first = open_window()
    _trigger(first, "theme_contrast")
    _trigger(first, "zoomOutAction")
    first.state.set_batch(from_lengths([8, 1]))
    assert first.save_file(tmp_path / "kept.json")
    first.lecture.dock.hide()
    first.close()

    reset_settings()
    second = open_window()
    assert current_theme().name == "light"
    assert second.lecture.appearance.zoom == 1.0
    assert second.state.batch.lengths == [5, 3, 7]  # the article's batch
    assert _recent_menu(second) == ["(none yet)"]
    assert not second.lecture.dock.isHidden()


def test_closing_in_presentation_remembers_the_normal_window(open_window) -> None:
    first = open_window()
    first.resize(1400, 700)
    _trigger(first, "presentationAction")
    _trigger(first, "fullScreenAction")
    assert first.isFullScreen() and not first.menuBar().isVisible()
    first.close()

    second = open_window()
    assert not second.isFullScreen() and not second.lecture.presenting
    assert second.height() == 700  # remembered in full screen, it would fill the screen's 780
    assert second.menuBar().isVisible() and second.statusBar().isVisible()


def test_a_cancelled_close_stays_in_presentation_and_remembers_nothing(open_window) -> None:
    window = open_window()
    _trigger(window, "presentationAction")
    window.state.set_batch(from_lengths([2, 2]))
    window.ask_unsaved_changes = lambda: "cancel"
    assert not window.close()
    assert window.lecture.presenting and window.isVisible()
    assert Remembered(report=pytest.fail).batch() is None
    window.ask_unsaved_changes = lambda: "discard"


def test_a_lesson_file_gone_since_is_no_longer_offered(open_window, tmp_path) -> None:
    kept, gone = _write_lesson(tmp_path / "kept.json"), _write_lesson(tmp_path / "gone.json")
    first = open_window()
    assert first.lecture.open_lesson(str(kept)) and first.lecture.open_lesson(str(gone))
    first.close()
    gone.unlink()

    second = open_window()
    assert second.lecture.player.files() == [str(kept)]
    assert Remembered(report=pytest.fail).lesson_files() == [str(kept)]


def _remember_a_good_run() -> None:
    """Values the window can restore, as a previous run would have left them."""
    good = Remembered(report=pytest.fail)
    good.save_theme("dark")
    good.save_zoom(1.25)
    good.save_batch(from_lengths([3, 9, 4]), OPTIONS)


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        (keys.BATCH, "{not json", "skipped the remembered batch: Expecting property name"),
        (keys.BATCH, json.dumps([3, 9, 4]), "skipped the remembered batch: expected a JSON"),
        (keys.BATCH, json.dumps({"format": "padviz-batch", "version": 9}), "version 9"),
        (keys.OPTIONS, "[1, 2", "skipped the remembered layout options: Expecting"),
        (keys.OPTIONS, json.dumps({"bogus": 1}), "options: unknown key 'bogus'"),
        (keys.OPTIONS, json.dumps({"batch_first": "yes"}), "batch_first must be True or False"),
        (keys.OPTIONS, json.dumps({"padding_value": 1e19}), "padding_value 1e+19 must lie"),
        (keys.OPTIONS, json.dumps({"pad_to_multiple_of": 10**9}), "from 1 to 4096 (or None)"),
        (keys.ZOOM, "huge", "skipped the remembered zoom: 'huge' is not a positive number"),
        (keys.ZOOM, "-2", "skipped the remembered zoom: '-2' is not a positive number"),
        (keys.THEME, "sepia", "skipped the remembered theme: 'sepia' is not one of light"),
        (keys.THEME, ["dark", "light"], "theme: ['dark', 'light'] is not one of light"),
        (keys.GEOMETRY, "tall", "skipped the remembered window geometry"),
        (keys.WINDOW_STATE, QByteArray(b"junk"), "skipped the remembered dock layout"),
        (keys.LESSON_FILES, {"not": "a list"}, "skipped the remembered list of lesson files"),
    ],
)
def test_an_unreadable_value_is_skipped_with_a_message(open_window, key, value, words) -> None:
    _remember_a_good_run()
    app_settings().setValue(key, value)

    window = open_window()
    assert words in window.statusBar().currentMessage()
    assert not window.grab().isNull()
    restored = {
        keys.THEME: current_theme().name,
        keys.ZOOM: window.lecture.appearance.zoom,
        keys.BATCH: window.state.batch.lengths,
        keys.OPTIONS: window.state.options,
    }
    defaults = {keys.THEME: "light", keys.ZOOM: 1.0, keys.BATCH: [5, 3, 7]}
    defaults[keys.OPTIONS] = LayoutOptions()
    good = {keys.THEME: "dark", keys.ZOOM: 1.25, keys.BATCH: [3, 9, 4], keys.OPTIONS: OPTIONS}
    for name, value_now in restored.items():  # the bad value fell back, the others came back
        assert value_now == (defaults if name == key else good)[name], name


def test_an_unreadable_recent_list_is_reported_then_replaced(open_window, tmp_path) -> None:
    app_settings().setValue(keys.RECENT_FILES, {"not": "a list"})
    window = open_window()
    assert _recent_menu(window) == ["(none yet)"]
    assert "skipped the remembered list of recent files" in window.statusBar().currentMessage()
    assert window.save_file(tmp_path / "new.json")
    assert _recent_menu(window) == [str((tmp_path / "new.json").resolve())]


def test_remembered_reads_nothing_as_defaults(qtbot) -> None:
    """A first run: nothing stored, nothing reported."""
    remembered = Remembered(report=pytest.fail)
    assert (remembered.theme(), remembered.zoom()) == ("light", 1.0)
    assert remembered.batch() is None and remembered.options() is None
    assert remembered.recent_files() == [] and remembered.lesson_files() == []
    window = QMainWindow()
    qtbot.addWidget(window)
    remembered.restore_window(window)
