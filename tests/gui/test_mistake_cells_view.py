"""The Mistakes tab lights a silent mistake's cells in its own padded heatmap (pixels checked),
re-lights them in the fix colour after Fix it, hides the picture for an error, and "Show in
explorer" lights the same tokens in the explorer's views."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from padviz.core.batch import from_lengths
from padviz.core.options import LayoutOptions
from padviz.gui.explorer.mistakes_panel import MistakesPanel
from padviz.gui.state import AppState
from padviz.gui.theme import current_theme


@pytest.fixture
def panel(qtbot):
    widget = MistakesPanel(AppState(from_lengths([6, 2, 4])))
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _run(panel, action) -> None:
    action()
    panel.wait()


def _image(view) -> QImage:
    return view.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _pixel(image: QImage, view, x: float, y: float) -> np.ndarray:
    """The colour drawn at grid position (x, y) (columns, rows) of the view."""
    point = view.mapFromScene(view.vb.mapViewToScene(QPointF(x, y)))
    ratio = image.width() / view.width()
    colour = QColor(image.pixel(int(point.x() * ratio), int(point.y() * ratio)))
    return np.array([colour.red(), colour.green(), colour.blue()])


def _near(a: np.ndarray, colour: str) -> bool:
    c = QColor(colour)
    return int(np.abs(a - [c.red(), c.green(), c.blue()]).sum()) < 60


def test_a_silent_mistake_lights_exactly_its_cells_in_pixels(panel, qtbot) -> None:
    panel.select("lengths_too_short")
    _run(panel, panel.try_it)
    cells = panel.cells
    assert cells.isVisible()
    # the last token of each sequence (independently: lengths 6, 2, 4) is lit, nothing else
    expected = {(0, 5), (1, 1), (2, 3)}
    assert {tuple(c) for c in cells.lit_cells().tolist()} == expected  # batch-major: (row, t)
    assert cells.caption.text() == "Lit: the 3 real tokens torch never read."
    qtbot.wait(10)
    lit = _image(cells.view)
    cells.view.set_lit_cells(None)
    plain = _image(cells.view)
    theme = current_theme()
    for r in range(3):
        for t in range(6):
            # the outline runs along the cell's edge; the fill covers a corner of it
            edge = _pixel(lit, cells.view, t + 0.5, r + 0.02)
            corner_lit = _pixel(lit, cells.view, t + 0.2, r + 0.25)
            corner_plain = _pixel(plain, cells.view, t + 0.2, r + 0.25)
            if (r, t) in expected:
                assert _near(edge, theme.lit[:7]), (r, t, edge)
                assert not np.array_equal(corner_lit, corner_plain), (r, t)
            else:
                assert np.array_equal(corner_lit, corner_plain), (r, t)


def test_after_the_fix_the_same_cells_are_lit_in_the_fix_colour(panel, qtbot) -> None:
    panel.select("article_loss")
    _run(panel, panel.try_it)
    tried = panel.cells.lit_cells().tolist()
    # pads counted: sequence 1 (length 2) from t=2, sequence 2 (length 4) from t=4
    assert sorted(map(tuple, tried)) == [(1, t) for t in range(2, 6)] + [(2, 4), (2, 5)]
    panel.fix_it()
    assert panel.cells.lit_cells().tolist() == tried
    assert panel.cells.caption.text().startswith("Lit before the fix: the 6 pad cells")
    assert "Fixed, it matches the reference." in panel.cells.caption.text()
    qtbot.wait(10)
    image = _image(panel.cells.view)
    assert _near(_pixel(image, panel.cells.view, 2.5, 1.02), current_theme().info)


def test_an_error_shows_no_cells_and_a_new_entry_clears_them(panel) -> None:
    panel.select("zero_length")
    _run(panel, panel.try_it)
    assert panel.result.outcome == "error" and not panel.cells.isVisible()
    panel.select("forgot_unsort_h_n")
    _run(panel, panel.try_it)
    assert panel.cells.isVisible()
    panel.select("article_loss")
    assert not panel.cells.isVisible()


def test_left_padding_is_drawn_left_padded(panel) -> None:
    panel.select("left_padding_packed")
    _run(panel, panel.try_it)
    grid = panel.cells.view.grid
    assert grid.layout.options.padding_side == "left" and grid.layout.options.batch_first
    assert "left-padded" in panel.cells.caption.text()


def test_show_in_explorer_lights_the_same_tokens_there(window, qtbot) -> None:
    window.state.set_batch(from_lengths([5, 3, 7]))
    window.state.set_options(LayoutOptions(order="sorted", padding_side="left"))
    window.show_tab("mistakes")
    lab = window.mistakes
    lab.select("lengths_too_short")
    _run(lab, lab.try_it)
    assert lab.cells.explorer_button.isEnabled()
    lab.cells.explorer_button.click()
    assert window.tabs.currentWidget() is window.explorer
    qtbot.waitUntil(lambda: not window.explorer.drawing and window.explorer.document is not None)
    qtbot.waitUntil(lambda: len(window.explorer.lit_cells("padded")) == 3)
    layout = window.explorer.document.layout
    # sorted and left-padded: each sequence's last token sits in the last column
    lit = window.explorer.lit_cells("padded")  # (r, c) as drawn, time-major: (t, row)
    assert sorted(lit.tolist()) == [[6, 0], [6, 1], [6, 2]]
    assert sorted(layout.padded_bt[:, -1].tolist()) == sorted(
        seq[-1] for seq in window.state.batch.sequences
    )


def test_show_in_explorer_is_off_when_the_lab_changed_the_batch(panel) -> None:
    panel.state.set_batch(from_lengths([4, 4]))  # the article's loss needs unequal lengths
    panel.select("article_loss")
    _run(panel, panel.try_it)
    assert panel.result.lengths != (4, 4)
    assert panel.cells.isVisible() and not panel.cells.explorer_button.isEnabled()
