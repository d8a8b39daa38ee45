"""Lecture mode in a real MainWindow: lessons, step keys, the packed-time walk, presentation,
zoom and themes (what the window remembers of them: test_remembered.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton, QSlider
from torch.nn.utils.rnn import pack_padded_sequence

from padviz.core.batch import from_lengths
from padviz.core.layout import compute_layout
from padviz.core.lessons import lesson_names, load_lesson
from padviz.core.options import LayoutOptions
from padviz.gui.lecture.appearance import PRESENTATION_SCALE
from padviz.gui.lecture.callout import Callout
from padviz.gui.main_window import MainWindow
from padviz.gui.theme import current_theme


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.lecture.walk.set_playing(False)


def _find(win, kind, name):
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


# -- lessons -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", lesson_names())
def test_every_step_of_every_lesson_renders_with_its_caption(window, name) -> None:
    lecture = window.lecture
    assert lecture.open_lesson(name)
    lesson = load_lesson(name)
    caption = _find(window, QLabel, "captionLabel")
    for k, step in enumerate(lesson.steps):
        lecture.player.go_to(k)
        assert caption.text() == step.caption and caption.text().strip()
        assert window.state.options == step.options
        assert window.state.batch.lengths == step.batch.lengths
        if window.tabs.currentWidget() is window.explorer:
            assert window.explorer.document.layout.T == compute_layout(step.batch, step.options).T
        if step.training is not None:
            assert window.training.form.runs() == list(step.training.runs)
            assert window.training.form.base_config()["task"] == step.training.config.task
        shown = {c.target.objectName() for c in window.findChildren(Callout) if c.isVisible()}
        assert shown == set(step.highlight.views)
        assert not window.grab().isNull()


def test_next_and_previous_buttons_and_keys_walk_the_steps(window, qtbot) -> None:
    lecture = window.lecture
    lecture.open_lesson("packing")
    player = lecture.player
    next_button = _find(window, QPushButton, "nextStepButton")
    prev_button = _find(window, QPushButton, "prevStepButton")
    assert not prev_button.isEnabled()
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert player.index == 1
    qtbot.mouseClick(prev_button, Qt.MouseButton.LeftButton)
    assert player.index == 0

    window.activateWindow()
    window.explorer.padded_view.setFocus()
    for key, index in (
        (Qt.Key.Key_PageDown, 1),
        (Qt.Key.Key_Right, 2),
        (Qt.Key.Key_Down, 3),
        (Qt.Key.Key_PageUp, 2),
        (Qt.Key.Key_Left, 1),
        (Qt.Key.Key_Up, 0),
        (Qt.Key.Key_Up, 0),  # stays on the first step
    ):
        qtbot.keyClick(window.explorer.padded_view, key)
        assert player.index == index, key
    assert _find(window, QLabel, "captionLabel").text() == player.lesson.steps[0].caption


def test_arrows_stay_with_a_widget_that_uses_them(window, qtbot) -> None:
    window.lecture.open_lesson("packing")
    edit = window.findChild(object, "lengthsEdit")
    edit.setFocus()
    assert QApplication.focusWidget() is edit
    qtbot.keyClick(edit, Qt.Key.Key_Right)
    assert window.lecture.player.index == 0
    qtbot.keyClick(edit, Qt.Key.Key_PageDown)
    assert window.lecture.player.index == 1


def test_choosing_a_lesson_in_the_combo_opens_it(window) -> None:
    combo = _find(window, QComboBox, "lessonCombo")
    index = combo.findData("h-n-trap")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    assert window.lecture.player.lesson.name == "h-n-trap"
    assert window.lecture.player.index == 0


def _lesson_json(**step) -> dict:
    return {
        "format": "padviz-lesson",
        "version": 1,
        "title": "My lesson",
        "description": "Mine.",
        "steps": [{"batch": {"lengths": [4, 2, 6]}, "caption": "{pad_cells} pads", **step}],
    }


def test_open_lesson_file_from_the_file_menu(window, tmp_path) -> None:
    path = tmp_path / "mine.json"
    path.write_text(json.dumps(_lesson_json()), "utf-8")
    lecture = window.lecture
    lecture.ask_lesson_path = lambda: path
    lecture.open_lesson_action.trigger()
    assert lecture.player.lesson.title == "My lesson"
    assert _find(window, QLabel, "captionLabel").text() == "6 pads"
    assert window.state.batch.lengths == [4, 2, 6]
    assert str(path.resolve()) in lecture.player.files()


def test_a_bad_lesson_file_is_reported_in_the_window(window, tmp_path) -> None:
    window.lecture.open_lesson("why-pad")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_lesson_json(tab="slides")), "utf-8")
    window.lecture.ask_lesson_path = lambda: path
    window.lecture.open_lesson_action.trigger()
    message = window.statusBar().currentMessage()
    assert "bad.json: step 1, tab: 'slides'" in message
    assert window.lecture.player.lesson.name == "why-pad"  # the app keeps working
    assert _find(window, QComboBox, "lessonCombo").currentData() == "why-pad"


def test_lesson_steps_find_their_tab_by_key_whatever_its_title(window, tmp_path) -> None:
    for index, title in enumerate(("&Erkunden", "Entraînement", "Mesures")):
        window.tabs.setTabText(index, title)  # a translated window
    path = tmp_path / "tabs.json"
    lesson = _lesson_json()
    lesson["steps"] += [{"caption": "b", "tab": "bench"}, {"caption": "e", "tab": "explorer"}]
    path.write_text(json.dumps(lesson), "utf-8")
    lecture = window.lecture
    assert lecture.open_lesson(str(path))
    lecture.player.next()
    assert window.tabs.currentWidget() is window.bench
    lecture.player.next()
    assert window.tabs.currentWidget() is window.explorer
    assert window.statusBar().currentMessage() == ""


def test_a_lesson_does_not_overwrite_the_file_last_saved(window, tmp_path) -> None:
    saved = tmp_path / "batch.json"
    assert window.save_file(saved)
    window.lecture.open_lesson("why-pad")
    assert window.state.path is None


# -- the packed-time walk ----------------------------------------------------------------------
def _torch_rows_and_cells(layout):
    """What torch packs at each time step: data rows and the (row, t) cells they came from."""
    B, T = layout.B, layout.T
    codes = torch.arange(B * T).view(B, T)
    packed = pack_padded_sequence(
        codes, torch.from_numpy(layout.lengths), batch_first=True, enforce_sorted=False
    )
    starts = np.concatenate([[0], np.cumsum(packed.batch_sizes.numpy())])
    for t in range(len(packed.batch_sizes)):
        data = packed.data[starts[t] : starts[t + 1]].numpy()
        yield t, set(range(starts[t], starts[t + 1])), {(d // T, d % T) for d in data}


@pytest.mark.parametrize(
    "options",
    [
        LayoutOptions(),
        LayoutOptions(batch_first=True, order="sorted"),
        LayoutOptions(padding_side="left"),
    ],
)
def test_walk_lights_exactly_the_rows_torch_packs_at_each_time(window, options) -> None:
    window.state.set_batch(from_lengths([4, 7, 2, 5]))
    window.state.set_options(options)
    explorer, walk = window.explorer, window.lecture.walk
    slider = _find(window, QSlider, "timeSlider")
    layout = explorer.document.layout
    assert walk.steps == 7 and slider.maximum() == 6
    packed_grid, padded_grid = explorer.packed_view.grid, explorer.padded_view.grid
    for t, rows, cells in _torch_rows_and_cells(layout):
        walk.advance()
        assert walk.time == t and slider.value() == t
        lit_packed = explorer.lit_cells("packed")
        assert {packed_grid.data_row(int(r), int(c)) for r, c in lit_packed} == rows
        assert len(lit_packed) == len(rows)
        expected = padded_grid.cells_of(np.array(sorted(cells)))
        assert sorted(map(tuple, explorer.lit_cells("padded").tolist())) == sorted(
            map(tuple, expected.tolist())
        )
        caption = _find(window, QLabel, "timeCaptionLabel").text()
        running = len(rows)
        assert caption.startswith(f"t={t}: {running} sequence")
        assert caption.endswith(f"batch_sizes[{t}] = {running}")
    walk.advance()  # the walk stops on the last step
    assert walk.time == 6 and not walk.playing


def test_play_advances_on_its_timer_and_pause_holds(window, qtbot) -> None:
    walk = window.lecture.walk
    walk.speed.setCurrentIndex(walk.speed.count() - 1)
    play = _find(window, QPushButton, "timePlayButton")
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)
    assert walk.playing and walk.time == 0
    qtbot.waitUntil(lambda: walk.time == 2, timeout=5000)
    qtbot.mouseClick(play, Qt.MouseButton.LeftButton)
    assert not walk.playing and not walk.timer.isActive()
    held = walk.time
    _find(window, QSlider, "timeSlider").setValue(5)
    assert walk.time == 5 != held
    assert window.explorer.lit_cells("packed").size > 0


def test_scrubbing_past_a_batch_that_shrinks_clears_the_walk(window) -> None:
    walk = window.lecture.walk
    _find(window, QSlider, "timeSlider").setValue(6)
    assert walk.time == 6
    window.state.set_batch(from_lengths([2, 3]))
    assert walk.time is None and walk.steps == 3
    assert window.explorer.lit_cells("packed").size == 0


def test_walk_explains_a_batch_torch_refuses_to_pack(window) -> None:
    window.state.set_batch(from_lengths([2, 5]))
    window.state.set_options(LayoutOptions(enforce_sorted=True))
    assert window.lecture.walk.steps == 0
    assert not _find(window, QPushButton, "timePlayButton").isEnabled()
    assert "refused" in _find(window, QLabel, "timeCaptionLabel").text()


# -- presentation, zoom, themes ----------------------------------------------------------------
def test_presentation_hides_editing_controls_and_enlarges_fonts(window, qtbot) -> None:
    explorer = window.explorer
    caption = _find(window, QLabel, "captionLabel")
    window.lecture.open_lesson("why-pad")
    before = (QApplication.font().pointSizeF(), caption.font().pointSizeF())
    tick_before = explorer.padded_view.plot.getAxis("bottom").style["tickFont"].pointSizeF()
    assert explorer.editor_column.isVisible()

    action = window.findChild(object, "presentationAction")
    assert action.shortcut().toString() == "F5"
    action.trigger()
    QApplication.processEvents()  # Qt posts the font change to every widget
    assert not explorer.editor_column.isVisible()
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert not _find(window, QComboBox, "lessonCombo").isVisible()
    assert caption.isVisible() and window.lecture.dock.isVisible()
    assert QApplication.font().pointSizeF() == pytest.approx(before[0] * PRESENTATION_SCALE)
    assert caption.font().pointSizeF() == pytest.approx(before[1] * PRESENTATION_SCALE)
    tick_after = explorer.padded_view.plot.getAxis("bottom").style["tickFont"].pointSizeF()
    assert tick_after == pytest.approx(tick_before * PRESENTATION_SCALE)

    qtbot.keyClick(window, Qt.Key.Key_Escape)
    QApplication.processEvents()
    assert explorer.editor_column.isVisible() and window.menuBar().isVisible()
    assert QApplication.font().pointSizeF() == pytest.approx(before[0])


def test_presentation_enlarges_plots_that_do_not_follow_the_font_themselves(window) -> None:
    plot = window.corpus.plot.getPlotItem()  # the corpus histogram (the Bench plot sizes its own)
    tick = plot.getAxis("bottom").style["tickFont"]
    tick_before = tick.pointSizeF() if tick is not None else QApplication.font().pointSizeF()
    window.findChild(object, "presentationAction").trigger()
    size = QApplication.font().pointSizeF()
    assert plot.getAxis("bottom").style["tickFont"].pointSizeF() == pytest.approx(size)
    assert size > tick_before
    assert f"font-size:{size:.1f}pt" in plot.titleLabel.item.toHtml().replace(" ", "")


def test_presentation_passes_over_a_tab_that_has_no_presentation_mode(window) -> None:
    window.add_tab("notes", QLabel("notes"), "Notes")
    window.findChild(object, "presentationAction").trigger()
    assert window.lecture.presenting and not window.explorer.editor_column.isVisible()


def test_zoom_scales_the_whole_interface(window) -> None:
    keys = {
        name: [k.toString() for k in window.findChild(object, name).shortcuts()]
        for name in ("zoomInAction", "zoomOutAction")
    }
    assert "Ctrl+=" in keys["zoomInAction"] and "Ctrl+-" in keys["zoomOutAction"]
    base = QApplication.font().pointSizeF()
    window.findChild(object, "zoomInAction").trigger()
    window.findChild(object, "zoomInAction").trigger()
    assert window.lecture.appearance.zoom == 1.25
    assert QApplication.font().pointSizeF() == pytest.approx(base * 1.25)
    window.findChild(object, "zoomOutAction").trigger()
    assert QApplication.font().pointSizeF() == pytest.approx(base * 1.1)
    window.findChild(object, "zoomResetAction").trigger()
    assert QApplication.font().pointSizeF() == pytest.approx(base)


def test_fullscreen_toggles_on_f11(window) -> None:
    action = window.findChild(object, "fullScreenAction")
    assert action.shortcut().toString() == "F11"
    action.trigger()
    assert window.isFullScreen()
    action.trigger()
    assert not window.isFullScreen()


@pytest.mark.parametrize("name", ["dark", "contrast", "light"])
def test_theme_menu_switches_views_and_widgets(window, name) -> None:
    window.findChild(object, f"theme_{name}").trigger()
    theme = current_theme()
    assert theme.name == name
    assert QApplication.palette().window().color().name() == theme.background.lower()
    pixel = window.explorer.padded_view.grab().toImage().pixelColor(2, 2)
    assert pixel.name() == theme.background.lower()
