"""The explorer's row-packing section: shown on demand, drawing the document's rows and mask,
linked to every other view by hover, its controls applied to the state, and in presentation
the room going to it when a lesson step calls it out."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from padviz.core.row_packing import pack_rows
from padviz.core.row_views import LEAK
from padviz.gui.theme import current_theme, qcolor


def _hover(view, r: int, c: int) -> None:
    QTest.mouseMove(view.viewport(), QPoint(1, 1))
    QTest.qWait(15)  # pyqtgraph drops mouse moves closer than 10 ms to the last one
    QTest.mouseMove(view.viewport(), view.mapFromScene(view.scene_pos_of(r, c)))
    QApplication.processEvents()


def _rows_on(explorer, qtbot) -> None:
    explorer.rows_button.setChecked(True)
    qtbot.waitUntil(lambda: explorer.row_section.isVisible())


def test_the_section_is_hidden_until_asked_and_then_draws_the_rows(explorer, qtbot) -> None:
    rows_view = explorer.row_section.rows_view
    assert not explorer.row_section.isVisible() and rows_view.grid is None  # not drawn hidden
    _rows_on(explorer, qtbot)
    doc = explorer.document
    assert rows_view.grid is doc.rows and explorer.row_section.mask_view.grid is doc.row_mask
    expected = pack_rows([5, 3, 7], 8)  # auto: the longest sequence up to a power of two
    assert [[p.sequence for p in row] for row in doc.rows.packing.rows] == [
        [p.sequence for p in row] for row in expected.rows
    ]
    assert np.array_equal(rows_view.image.image, doc.rows.codes)
    explorer.rows_button.setChecked(False)
    assert not explorer.row_section.isVisible()


def test_hovering_a_packed_token_lights_it_in_every_view(explorer, qtbot) -> None:
    _rows_on(explorer, qtbot)
    rows_view, mask_view = explorer.row_section.rows_view, explorer.row_section.mask_view
    _hover(rows_view, 0, 6)  # row 0 holds sequence 0 (5 tokens) then sequence 1: its token 1
    assert explorer.padded_view.hover.cells.tolist() == [[1, 1]]  # time-first (t, sequence)
    assert rows_view.hover.cells.tolist() == [[0, 6]]
    assert mask_view.hover.cells.tolist() == [[6, 6]]  # the query on the diagonal
    _hover(explorer.padded_view, 2, 2)  # sequence 2, t=2: row 1, slot 2
    assert rows_view.hover.cells.tolist() == [[1, 2]]
    assert mask_view.hover.cells.tolist() == []  # row 0's mask does not hold it


def test_the_controls_set_the_options_and_a_refusal_is_shown(explorer, qtbot) -> None:
    _rows_on(explorer, qtbot)
    controls = explorer.row_section.controls
    controls.row_length.setValue(4)
    qtbot.waitUntil(lambda: explorer.document.options.row_length == 4)
    rows_view = explorer.row_section.rows_view
    assert rows_view.grid.packing is None and "sequence 0 has 5 tokens" in rows_view.grid.error
    assert rows_view.summary_shown and "row length 4" in rows_view.summary.text
    controls.overflow.setCurrentText("split")
    qtbot.waitUntil(lambda: rows_view.grid.packing is not None)
    split = pack_rows([5, 3, 7], 4, overflow="split")
    assert rows_view.grid.shape == (len(split.rows), 4)
    assert rows_view.grid.packing.position_ids() == split.position_ids()
    controls.mask.setCurrentIndex(controls.mask.findData("padded"))
    controls.mask_row.setValue(2)
    qtbot.waitUntil(lambda: explorer.document.options.mask_row == 2)
    assert controls.mask_row_label.text() == "sequence"
    assert explorer.row_section.mask_view.grid.shape == (7, 7)


def test_leaking_cells_are_drawn_in_the_error_colour(explorer, qtbot) -> None:
    _rows_on(explorer, qtbot)
    controls = explorer.row_section.controls
    controls.mask.setCurrentIndex(controls.mask.findData("causal"))
    qtbot.waitUntil(lambda: explorer.document.options.row_mask == "causal")
    view = explorer.row_section.mask_view
    explorer.middle.setSizes([100, 700, 0])  # room for the mask's cells
    leaking = np.argwhere(view.grid.codes == LEAK)
    assert len(leaking) == 15  # sequence 1's 3 tokens each see sequence 0's 5
    QApplication.processEvents()
    picture = view.grab().toImage()
    r, c = (int(v) for v in leaking[len(leaking) // 2])
    centre = view.mapFromScene(view.scene_pos_of(r, c))
    step = view.mapFromScene(view.scene_pos_of(r, c + 1)).x() - centre.x()
    tall = view.mapFromScene(view.scene_pos_of(r + 1, c)).y() - centre.y()
    assert step > 8 and tall > 8  # a readable cell: its colour is sampled off its text
    pixel = QColor(picture.pixel(centre.x() - step // 3, centre.y()))
    want = qcolor(current_theme().error)
    assert (pixel.red(), pixel.green(), pixel.blue()) == (want.red(), want.green(), want.blue())


def test_a_lesson_step_on_rows_gives_them_the_room_in_presentation(explorer, qtbot) -> None:
    explorer.resize(1280, 600)
    explorer.set_presentation(True)
    explorer.show_secondary(["rowPackingView"])
    qtbot.waitUntil(lambda: explorer.row_section.isVisible())
    rows_view = explorer.row_section.rows_view
    assert not explorer.packed_view.isVisible()  # the RNN's packed view gives way
    assert not explorer.row_section.controls.isVisible()
    assert not rows_view.summary_shown  # the caption says it; the rows get the room
    QApplication.processEvents()
    heatmaps = explorer.padded_view.height()
    assert rows_view.height() > heatmaps
    top = rows_view.scene_pos_of(0, 0).y()
    below = rows_view.scene_pos_of(1, 0).y()
    assert below - top >= 2.5 * rows_view.fontMetrics().height()  # a token and its position id
    explorer.set_presentation(False)  # the step still calls the rows out; nothing gives way
    assert explorer.row_section.isVisible() and explorer.packed_view.isVisible()
    explorer.show_secondary([])
    assert not explorer.row_section.isVisible()  # the button was never pressed


def test_a_large_batch_builds_its_rows_off_the_gui_thread(explorer, qtbot) -> None:
    from padviz.core.batch import from_lengths

    state = explorer.state
    state.set_batch(from_lengths([300, 120, 260] * 100, seed=2))  # 90,000 padded cells
    qtbot.waitUntil(lambda: state.current and not explorer.drawing, timeout=60_000)
    assert "rows" not in vars(state.document)  # hidden: never built
    explorer.rows_button.setChecked(True)
    assert state.computing  # the document comes again, its rows built on the thread
    qtbot.waitUntil(lambda: state.current and not explorer.drawing, timeout=60_000)
    document = state.document
    assert "rows" in vars(document) and "row_mask" in vars(document)
    assert explorer.row_section.rows_view.grid is document.rows
