"""Text that must fit where a lecturer shows it, at a projector's 1280 x 720 and in presentation:
the packed view's refusal, the Bench plot's axis text (larger than the tab's in presentation)
and the Training tab's table titles. Measured in pixels: the text's width against its widget's."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from padviz.core.batch import from_lengths
from padviz.gui.bench.plot import PRESENTATION_TEXT_SCALE
from padviz.gui.main_window import MainWindow

SIZES = [(1280, 720), (1024, 768)]


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    return win


def present(window, qtbot, tab: str, size: tuple[int, int], on: bool = True) -> None:
    window.show_tab(tab)
    window.lecture.set_presentation(on)
    window.resize(*size)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(10)  # the layouts the new size asks for


@pytest.mark.parametrize("size", SIZES)
def test_the_packing_refusal_fits_the_packed_view(window, qtbot, size) -> None:
    state = window.state
    state.set_batch(from_lengths([5, 3, 7]), edited=False)
    state.set_options(dataclasses.replace(state.options, enforce_sorted=True))
    present(window, qtbot, "explorer", size)
    qtbot.waitUntil(lambda: state.current and not window.explorer.drawing)
    view = window.explorer.packed_view
    assert view.refusal.isVisible()
    box = view.vb.sceneBoundingRect()
    text = view.refusal.mapRectToScene(view.refusal.boundingRect())
    assert box.left() <= text.left() and text.right() <= box.right(), (box, text)
    assert box.top() <= text.top() and text.bottom() <= box.bottom(), (box, text)
    summary = view.summary
    assert summary.item.boundingRect().width() <= summary.geometry().width()
    assert "refused" in summary.text


@pytest.mark.parametrize("size", SIZES)
def test_the_bench_plot_reads_from_the_back_in_presentation(window, qtbot, size) -> None:
    assert window.tab("bench") is not None  # built before presentation, as at a normal start
    present(window, qtbot, "bench", size)
    item = window.bench.plot.getPlotItem()
    body = QFontMetricsF(QApplication.font()).height()
    legend = window.bench.legend.items[0][1]
    text_pt = f"{QApplication.font().pointSizeF() * PRESENTATION_TEXT_SCALE:.1f}pt"
    assert legend.opts["size"] == text_pt
    assert f"font-size:{text_pt}" in legend.item.toHtml().replace(" ", "")
    for side in ("bottom", "left"):
        axis = item.getAxis(side)
        ticks = QFontMetricsF(axis.style["tickFont"]).height()
        assert ticks >= 0.95 * PRESENTATION_TEXT_SCALE * body
        label = axis.label
        width = QFontMetricsF(label.font()).horizontalAdvance(label.toPlainText())
        room = axis.width() if side == "bottom" else axis.height()  # the left label is upright
        assert width <= room, (side, width, room)
    window.lecture.set_presentation(False)
    tick_font = item.getAxis("bottom").style["tickFont"]
    assert QFontMetricsF(tick_font).height() == pytest.approx(body, rel=0.05)


@pytest.mark.parametrize("presenting", [False, True])
def test_the_training_table_titles_are_never_cut(window, qtbot, presenting) -> None:
    present(window, qtbot, "training", (1280, 720), presenting)
    table = window.training.metrics
    header = table.horizontalHeader()
    metrics = header.fontMetrics()
    shown = [c for c in range(table.columnCount()) if not table.isColumnHidden(c)]
    assert len(shown) >= 6
    for c in shown:
        title = table.horizontalHeaderItem(c).text()
        assert metrics.horizontalAdvance(title) < header.sectionSize(c), title
        assert header.sectionSizeHint(c) <= header.sectionSize(c), title
    assert header.length() <= table.viewport().width()  # room enough: no scrolling at 1280
