"""Every screen: the window fits 1024 x 640 in every tab and mode, opens no larger than the
screen, and at 1024 x 768, 1280 x 720, 1366 x 768 and 1920 x 1080 its views keep readable
sizes (presentation gives the heatmaps the room first) and no label leaves its parent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QFontMetricsF
from PySide6.QtWidgets import QApplication, QWidget

from padviz.core.batch import from_lengths, load_preset
from padviz.gui.explorer.waste_meter import WasteTable
from padviz.gui.lecture.callout import FRAME_PX, Callout
from padviz.gui.main_window import MainWindow
from padviz.gui.training.hidden_view import HiddenStateView

ROOT = Path(__file__).resolve().parents[2]
SIZES = ((1024, 768), (1280, 720), (1366, 768), (1920, 1080))
MIN_WIDTH, MIN_HEIGHT = 1024, 640
HEATMAPS = ("padded", "mask", "packed")


def _settle(qtbot, win: MainWindow, width: int, height: int) -> None:
    win.resize(width, height)
    qtbot.waitUntil(lambda: win.state.current and not win.explorer.drawing, timeout=20_000)
    for _ in range(3):
        qtbot.wait(10)


def _inside(widget: QWidget, win: MainWindow) -> bool:
    """Whether the widget lies within its parent and within the window."""
    parent = widget.parentWidget()
    if not parent.rect().contains(widget.geometry()):
        return False
    top_left = widget.mapTo(win, QPoint(0, 0))
    return win.rect().contains(QRect(top_left, widget.size()))


def _cell_px(view) -> tuple[float, float]:
    (x0, x1), (y0, y1) = view.vb.viewRange()
    return view.vb.width() / (x1 - x0), view.vb.height() / (y1 - y0)


def _lesson_steps_that_call_out_secondaries() -> list[tuple[str, int]]:
    # why-pad 2: waste table; packing 9: pitfalls; h-n-trap 6: the truth view
    return [("why-pad", 1), ("packing", 8), ("h-n-trap", 5)]


@pytest.mark.parametrize("present", [False, True])
def test_the_minimum_size_fits_1024_by_640_in_every_tab_and_mode(window, qtbot, present):
    window.lecture.set_presentation(present)
    steps = [None, *_lesson_steps_that_call_out_secondaries()]
    for step in steps:
        if step is not None:
            window.lecture.open_lesson(step[0], step=step[1])
        for key in ("explorer", "training", "bench"):
            window.show_tab(key)
            qtbot.wait(5)
            hint = window.minimumSizeHint()
            assert hint.width() <= MIN_WIDTH and hint.height() <= MIN_HEIGHT, (step, key, hint)
    window.resize(MIN_WIDTH, MIN_HEIGHT)
    qtbot.wait(10)
    assert (window.width(), window.height()) == (MIN_WIDTH, MIN_HEIGHT)


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("present", [False, True])
def test_explorer_views_keep_their_room_and_labels_stay_inside(
    window, qtbot, width, height, present
):
    window.lecture.set_presentation(present)
    window.state.set_batch(load_preset("article"), edited=False)
    _settle(qtbot, window, width, height)
    assert (window.width(), window.height()) == (width, height)
    explorer = window.explorer
    for name in HEATMAPS:
        view = explorer.views[name]
        assert view.isVisible() and view.height() >= 150, (name, view.height())
        assert _inside(view, window), name
    if present:  # the heatmaps first: the secondary panels give way
        assert not explorer.jagged_view.isVisible() and not explorer.waste.isVisible()
        for name in HEATMAPS:  # every cell of the article's batch carries its number
            assert explorer.views[name].text.fitting_font(*_cell_px(explorer.views[name]))
    legend = explorer.legend
    assert _inside(legend, window) and legend.height() >= legend.heightForWidth(legend.width())
    widths = legend._widths()
    for (x, _row), w in zip(legend.places(legend.width()), widths, strict=True):
        assert x + w - 2 * legend.fontMetrics().averageCharWidth() <= legend.width() + 1
    for widget in (explorer.batch_info, explorer.waste.table, explorer.legend):
        if widget.isVisible():
            assert _inside(widget, window), widget.objectName()
    caption = window.lecture.player.caption
    if caption.isVisible():
        assert caption.height() >= caption.heightForWidth(caption.width())


def test_an_8_by_15_batch_shows_its_numbers_at_1280_by_720_in_presentation(window, qtbot):
    window.lecture.set_presentation(True)
    window.state.set_batch(from_lengths([15, 14, 13, 12, 11, 10, 9, 8]), edited=False)
    _settle(qtbot, window, 1280, 720)
    for name in ("padded", "mask"):
        view = window.explorer.views[name]
        assert view.grid.shape == (15, 8)  # time-major: 15 rows of 8
        assert view.text.fitting_font(*_cell_px(view)) is not None, name
        view.grab()  # paint: every cell's text is written
        assert view.text.painted_cells == 15 * 8


def test_a_lesson_step_brings_back_the_secondary_panel_it_calls_out(window, qtbot):
    window.lecture.set_presentation(True)
    window.lecture.open_lesson("why-pad", step=1)  # padded view and waste table
    _settle(qtbot, window, 1280, 720)
    explorer = window.explorer
    assert explorer.waste.table.isVisible() and not explorer.jagged_view.isVisible()
    assert _inside(explorer.waste.table, window)
    assert explorer.padded_view.height() >= 150
    window.lecture.open_lesson("why-pad", step=0)
    qtbot.wait(10)
    assert not explorer.waste.isVisible()


def test_training_plots_keep_their_height_in_presentation(window, qtbot):
    window.lecture.set_presentation(True)
    window.show_tab("training")
    _settle(qtbot, window, 1280, 720)
    training = window.training
    assert not training.hidden_view.isVisible()  # gives way unless called out
    for plot in training.plots:
        assert plot.height() >= 250, plot.height()
    training.show_secondary(["hiddenStateView"])
    qtbot.wait(20)
    assert training.hidden_view.isVisible()
    assert training.hidden_view.graphics.height() >= 120
    assert training.masked_plot.height() >= 100


def _truth(rows: int, width: int = 8) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    truth = {name: rng.uniform(-1, 1, (rows, width)) for name in ("padded", "packed", "alone")}
    truth.update(
        lengths=np.arange(rows, 0, -1),
        directions=np.array(1),
        scale=np.array(1.0),
        padded_diff=rng.uniform(0, 1, rows),
        packed_diff=np.zeros(rows),
    )
    return truth


@pytest.mark.parametrize(("height", "rows"), [(140, 8), (140, 40), (600, 8)])
def test_the_truth_view_labels_never_overlap(qtbot, height, rows):
    view = HiddenStateView()
    qtbot.addWidget(view)
    view.resize(900, height)
    view.show()
    qtbot.waitExposed(view)
    view.show_truth(_truth(rows))
    qtbot.wait(10)
    axis = view.plots["padded"].getAxis("left")
    labelled = [pos for pos, _ in axis._tickLevels[0]]
    row_px = view.plots["padded"].getViewBox().height() / rows
    gap_px = (labelled[1] - labelled[0]) * row_px if len(labelled) > 1 else float("inf")
    font = axis.style.get("tickFont") or view.font()
    line = QFontMetricsF(font).height()
    assert gap_px >= line, (gap_px, line)
    if height == 600 and rows == 8:
        assert len(labelled) == rows  # room for every label: each is written


def test_a_callout_never_covers_the_waste_tables_figures(qtbot):
    host = QWidget()
    qtbot.addWidget(host)
    table = WasteTable(host)
    from padviz.core.layout import compare_waste
    from padviz.core.options import LayoutOptions

    table.set_stats(compare_waste(load_preset("article"), LayoutOptions()), "given", 2)
    table.resize(table.sizeHint())
    host.resize(table.size())
    host.show()
    qtbot.waitExposed(host)
    plain = table.grab().toImage()
    background = QColor(plain.pixel(0, 0))
    inked = [
        (x, y)
        for x in range(plain.width())
        for y in range(plain.height())
        if QColor(plain.pixel(x, y)) != background
    ]
    assert inked and min(x for x, _ in inked) > FRAME_PX
    Callout(table)  # the frame a lesson step draws over the table
    framed = table.grab().toImage()
    covered = [(x, y) for x, y in inked if framed.pixel(x, y) != plain.pixel(x, y)]
    assert not covered, f"the callout covers {len(covered)} pixels of the figures"


SCREEN = {
    "synchronousWindowSystemEvents": False,
    "windowFrameMargins": False,
    "screens": [{"name": "s", "x": 0, "y": 0, "width": 0, "height": 0, "logicalDpi": 96, "dpr": 1}],
}


@pytest.mark.parametrize(
    ("screen", "expected"), [((1280, 720), (1280, 720)), ((1920, 1080), (1600, 1000))]
)
def test_the_window_opens_no_larger_than_the_screen(tmp_path, screen, expected):
    config = json.loads(json.dumps(SCREEN))
    config["screens"][0].update(width=screen[0], height=screen[1])
    path = tmp_path / "screen.json"
    path.write_text(json.dumps(config))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={path}")
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    code = (
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication([])\n"
        "from padviz.gui.main_window import MainWindow\n"
        "w = MainWindow()\n"
        "print(w.width(), w.height())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert tuple(int(v) for v in out.stdout.split()[-2:]) == expected


@pytest.mark.parametrize(("width", "height"), SIZES)
@pytest.mark.parametrize("present", [False, True])
def test_training_and_bench_tabs_fit_every_size(window, qtbot, width, height, present):
    window.lecture.set_presentation(present)
    window.show_tab("training")
    _settle(qtbot, window, width, height)
    assert (window.width(), window.height()) == (width, height)
    training = window.training
    for plot in training.plots:
        assert plot.height() >= 150 and _inside(plot, window), (plot.objectName(), plot.height())
    for widget in (training.start_button, training.reset_button, training.progress_label):
        assert _inside(widget, window), widget.objectName()
    window.show_tab("bench")
    qtbot.wait(20)
    bench = window.bench
    assert bench.plot.height() >= 200 and _inside(bench.plot, window)
    assert _inside(bench.start_button, window) and _inside(bench.recommendation, window)


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1280, 720)])
def test_a_lengths_error_leaves_the_layout_options_in_view(window, qtbot, width, height):
    _settle(qtbot, window, width, height)
    explorer = window.explorer
    column, options = explorer.editor_column, explorer.options_panel
    editor = explorer.editor
    editor.lengths_edit.setText("5, 3, x, 99999999")
    editor.apply_lengths()
    for _ in range(5):
        QApplication.processEvents()
    assert editor.lengths_error.isVisible() and editor.lengths_error.text()
    top = options.mapTo(column.viewport(), QPoint(0, 0)).y()
    assert top >= 0 and top + options.height() <= column.viewport().height()
    assert column.verticalScrollBar().maximum() == 0  # nothing was pushed below the fold


LONG_CPU = "13th Gen Intel(R) Core(TM) i7-1365U with a name longer than any real one so far"


def test_a_long_device_name_widens_no_tab_past_1024_and_shows_whole_where_there_is_room(
    monkeypatch, qtbot
):
    monkeypatch.setattr("padviz.core.devices._cpu_name", lambda: LONG_CPU)
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    remote = "gpu1.cluster.example.org: cuda:0 (NVIDIA H200 141GB HBM3e)"
    boxes = (win.training.form.device_combo, win.bench.device_combo)
    for box in boxes:
        box.addItem(remote, "cuda:0")  # as a connected remote's device joins it
    for present in (False, True):
        win.lecture.set_presentation(present)
        for key in ("explorer", "training", "bench"):
            win.show_tab(key)
            qtbot.wait(5)
            hint = win.minimumSizeHint()
            assert hint.width() <= MIN_WIDTH and hint.height() <= MIN_HEIGHT, (present, key, hint)
    win.lecture.set_presentation(False)
    _settle(qtbot, win, 1920, 1080)
    win.show_tab("bench")  # its settings row has room: the names show whole
    qtbot.wait(10)
    box = win.bench.device_combo
    for text in (f"cpu — {LONG_CPU}", remote):
        box.setCurrentIndex(box.findText(text))
        qtbot.wait(5)
        assert box.width() > box.fontMetrics().horizontalAdvance(text), (text, box.width())
    for box in boxes:  # the Training tab's narrow column: its list shows them whole
        box.showPopup()
        assert box.view().width() > box.fontMetrics().horizontalAdvance(f"cpu — {LONG_CPU}")
        box.hidePopup()
