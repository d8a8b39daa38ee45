"""The main window: tabs (found by key) and menus, batch files (open, save, recent), the
unsaved-changes prompt, export from the menu, and a rendered window that is not blank."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QLabel, QTabWidget, QWidget

from padviz.core.batch import from_lengths, load_json, load_preset, save_json
from padviz.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_builds_without_an_event_loop_on_the_article(qtbot) -> None:
    win = MainWindow()
    qtbot.addWidget(win)
    tabs = win.findChild(QTabWidget, "mainTabs")
    assert tabs is win.tabs and win.tabs.tabText(0) == "Explorer"
    assert win.state.batch == load_preset("article")
    assert (win.file_menu, win.view_menu, win.help_menu) == tuple(
        a.menu() for a in win.menuBar().actions()[:3]
    )
    index = win.add_tab("extra", QWidget(), "Extra")
    assert win.tabs.tabText(index) == "Extra"


def test_tabs_are_found_by_key_whatever_their_titles(window) -> None:
    panels = [window.tab(key) for key in ("explorer", "training", "bench", "corpus", "mistakes")]
    assert panels == [
        window.explorer,
        window.training,
        window.bench,
        window.corpus,
        window.mistakes,
    ]
    window.tabs.setTabText(1, "Trainieren")  # a translated title
    assert window.show_tab("training") and window.tabs.currentWidget() is window.training
    assert window.show_tab("bench") and window.tabs.currentIndex() == 2
    assert window.tab("slides") is None and not window.show_tab("slides")
    assert window.tabs.currentWidget() is window.bench
    with pytest.raises(ValueError, match="already a tab 'bench'"):
        window.add_tab("bench", QWidget(), "Bench")
    assert window.tabs.count() == 5
    window.tabs.removeTab(2)
    assert not window.show_tab("bench")


def test_open_and_save_have_the_standard_shortcuts(window) -> None:
    assert window.open_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    assert window.save_action.shortcut() == QKeySequence(QKeySequence.StandardKey.Save)
    assert window.open_action.shortcut().toString() == "Ctrl+O"
    assert window.save_action.shortcut().toString() == "Ctrl+S"


def test_save_then_open_round_trips_and_remembers_recent_files(window, tmp_path) -> None:
    window.state.set_batch(from_lengths([4, 1, 6]))
    assert window.isWindowModified()
    target = tmp_path / "mine.json"
    window.ask_save_path = lambda: target
    assert window.save()  # no path yet: asks where
    assert load_json(target) == window.state.batch
    assert not window.isWindowModified() and "mine.json" in window.windowTitle()

    other = tmp_path / "other.json"
    save_json(from_lengths([2, 9]), other)
    window.ask_open_path = lambda: other
    assert window.open_dialog()
    assert window.state.batch.lengths == [2, 9]
    assert window.explorer.padded_view.image.image.shape == (9, 2)
    recent = window.remembered.recent_files()
    assert recent[:2] == [str(other.resolve()), str(target.resolve())]
    window._fill_recent_menu()
    assert [a.text() for a in window.recent_menu.actions()][:2] == recent[:2]

    window.state.set_batch(from_lengths([3]))
    assert window.save()  # has a path now: saves there without asking
    assert load_json(other).lengths == [3]


def test_a_broken_file_is_reported_in_the_window_and_the_batch_stays(window, tmp_path) -> None:
    before = window.state.batch
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "padviz-batch", "version": 9, "sequences": [[1]]}))
    assert not window.open_file(bad)
    assert "version 9" in window.statusBar().currentMessage()
    assert window.state.batch is before
    assert not window.open_file(tmp_path / "missing.json")
    assert "cannot read" in window.statusBar().currentMessage()
    window.state.set_batch(from_lengths([3, 1]))  # a later edit that works: the error goes
    assert window.statusBar().currentMessage() == ""


@pytest.mark.parametrize(
    ("answer", "closes", "saved"),
    [("cancel", False, False), ("discard", True, False), ("save", True, True)],
)
def test_closing_with_unsaved_changes_asks_first(window, tmp_path, answer, closes, saved) -> None:
    asked = []
    window.ask_unsaved_changes = lambda: asked.append(1) or answer
    window.ask_save_path = lambda: tmp_path / "kept.json"
    window.state.set_batch(from_lengths([2, 3]))
    assert window.close() is closes
    assert asked == [1]
    assert (tmp_path / "kept.json").exists() is saved
    window.ask_unsaved_changes = lambda: "discard"


def test_closing_a_clean_window_does_not_ask(window) -> None:
    window.ask_unsaved_changes = lambda: pytest.fail("asked about a clean batch")
    assert window.close()


def test_open_asks_before_dropping_changes(window, tmp_path) -> None:
    target = tmp_path / "b.json"
    save_json(from_lengths([1, 1]), target)
    window.state.set_batch(from_lengths([8]))
    window.ask_unsaved_changes = lambda: "cancel"
    assert not window.open_file(target)
    assert window.state.batch.lengths == [8]


def test_export_from_the_menu(window, tmp_path) -> None:
    window.ask_export_path = lambda view: tmp_path / f"{view}.svg"
    assert window.export_current_view()
    assert (tmp_path / "padded.svg").read_text().count("<svg") == 1
    window.ask_export_folder = lambda: (tmp_path / "all", "png")
    assert window.export_all_views()
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == [
        "jagged.png",
        "mask.png",
        "packed.png",
        "padded.png",
        "row_mask.png",
        "rows.png",
    ]


def test_rendered_window_is_not_blank(window) -> None:
    image = window.grab().toImage()
    assert image.width() == 1400 and image.height() == 900
    colours = {image.pixel(x, y) for x in range(0, 1400, 9) for y in range(0, 900, 9)}
    assert len(colours) > 50
    assert window.findChild(QLabel, "wasteLabel").text().startswith("Waste: ")


def test_show_code_menu_action_and_button_agree(window) -> None:
    button = window.explorer.show_code_button
    window.show_code_action.trigger()
    assert button.isChecked() and window.explorer.code_panel.isVisible()
    button.click()
    assert not window.show_code_action.isChecked()


def test_explorer_catches_up_when_its_tab_comes_back(window) -> None:
    other = window.add_tab("other", QWidget(), "Other")
    window.tabs.setCurrentIndex(other)
    window.state.set_batch(from_lengths([2, 2]))
    assert window.explorer.padded_view.image.image.shape == (7, 3)  # hidden: not redrawn
    window.tabs.setCurrentWidget(window.explorer)
    assert window.explorer.padded_view.image.image.shape == (2, 2)


def test_open_takes_any_padviz_file_by_its_format(window, tmp_path) -> None:
    from padviz.core.lessons import asset
    from padviz.core.sessions import load_session

    window.ask_unsaved_changes = lambda: "discard"
    window.state.set_batch(from_lengths([4, 2, 2]))
    window.training.save_session(tmp_path / "s.json")
    window.state.set_batch(from_lengths([9]))
    assert window.open_file(tmp_path / "s.json")
    assert window.tabs.currentWidget() is window.training
    assert window.state.batch.lengths == load_session(tmp_path / "s.json").batch.lengths
    assert "opened the session" in window.statusBar().currentMessage()

    lesson = tmp_path / "mine.json"
    lesson.write_text(asset("lessons", "packing.json").read_text("utf-8"), encoding="utf-8")
    assert window.open_file(lesson)
    assert window.lecture.player.lesson is not None
    assert window.lecture.player.lesson.title == json.loads(lesson.read_text())["title"]
    assert str(lesson.resolve()) in window.lecture.player.files()

    other = tmp_path / "other.json"
    other.write_text('{"format": "something-else"}', encoding="utf-8")
    before = window.state.batch
    assert not window.open_file(other)
    assert "not a padviz file" in window.statusBar().currentMessage()
    assert window.state.batch is before


def test_a_session_setting_that_cannot_be_restored_is_said(window, tmp_path) -> None:
    window.training.save_session(tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text())
    data["training"].update(device="cuda:7", seed=2**40)
    (tmp_path / "s.json").write_text(json.dumps(data))
    assert window.open_file(tmp_path / "s.json")
    message = window.statusBar().currentMessage()
    assert f"opened the session {tmp_path / 's.json'}" in message
    assert "device cuda:7 is not present here; using cpu" in message
    assert f"seed {2**40} is more than its box takes; using 2147483647" in message
