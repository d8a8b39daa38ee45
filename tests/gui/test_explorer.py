"""The explorer's views in a real MainWindow: what the heatmaps hold against torch itself, every
layout option, linked hover, highlights, pitfalls, code, export, presentation and pixels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLabel, QLineEdit, QSpinBox
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

from padviz.core.batch import from_lengths, from_text
from padviz.core.codegen import layout_code
from padviz.core.layout import compute_layout, describe_cell
from padviz.core.options import LayoutOptions
from padviz.core.views import EMPTY, PAD, REAL
from padviz.gui.theme import current_theme, qcolor, set_theme


def _child(parent, kind, name):
    widget = parent.findChild(kind, name)
    assert widget is not None, name
    return widget


def _torch_layout(explorer):
    """pad_sequence / mask / pack_padded_sequence computed here with torch, from the batch."""
    o = explorer.state.options
    seqs = [torch.tensor(s) for s in explorer.state.batch.sequences]
    padded = pad_sequence(
        seqs, batch_first=o.batch_first, padding_value=o.padding_value, padding_side=o.padding_side
    )
    lengths = torch.tensor([len(s) for s in seqs])
    T = padded.shape[1 if o.batch_first else 0]
    time = torch.arange(T)
    mask = (
        time[None, :] < lengths[:, None]
        if o.padding_side == "right"
        else (time[None, :] >= (T - lengths)[:, None])
    )
    return padded, mask if o.batch_first else mask.T, lengths


def _hover(view, r: int, c: int) -> None:
    """Move the mouse over drawn cell (r, c) of a heatmap, as a user would (coming from the
    view's corner: a move to where the mouse already is sends no event)."""
    QTest.mouseMove(view.viewport(), QPoint(1, 1))
    QTest.qWait(15)  # pyqtgraph drops mouse moves closer than 10 ms to the last one
    QTest.mouseMove(view.viewport(), view.mapFromScene(view.scene_pos_of(r, c)))
    QApplication.processEvents()


def test_views_hold_what_torch_produces(explorer) -> None:
    padded, mask, lengths = _torch_layout(explorer)
    pv, mv = explorer.padded_view, explorer.mask_view
    assert pv.image.image.shape == tuple(padded.shape) == (7, 3)  # time-first, as torch gives
    np.testing.assert_array_equal(pv.image.image == PAD, ~mask.numpy())
    np.testing.assert_array_equal(mv.image.image, np.where(mask.numpy(), REAL, PAD))
    r, c = np.nonzero(np.ones(padded.shape, bool))
    assert pv.grid.labels(r, c) == [str(v) for v in padded.numpy()[r, c].tolist()]

    packed = pack_padded_sequence(padded, lengths, enforce_sorted=False)
    kv = explorer.packed_view
    filled = kv.image.image != EMPTY
    np.testing.assert_array_equal(filled.sum(axis=1), packed.batch_sizes.numpy())
    rows, slots = np.nonzero(filled)
    data_rows = kv.grid.starts[rows] + slots
    assert kv.grid.labels(rows, slots) == [str(v) for v in packed.data[data_rows].tolist()]
    assert "sorted_indices = [2, 0, 1]" in kv.summary.text
    assert "unsorted_indices = [1, 2, 0]" in kv.summary.text

    jv = explorer.jagged_view
    values = torch.cat([torch.tensor(s) for s in explorer.state.batch.sequences])
    assert jv.image.image.shape == (1, len(values))
    assert jv.grid.labels(np.zeros(15, int), np.arange(15)) == [str(v) for v in values.tolist()]
    assert "[0, 5, 8, 15]" in jv.title.text  # offsets = cu_seqlens


def test_waste_label_shows_pad_cells_and_ratio(explorer) -> None:
    label = _child(explorer, QLabel, "wasteLabel")
    assert "6 pad cells of 21" in label.text() and "28.6%" in label.text()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.batch_first.setChecked(True), {"batch_first": True}),
        (lambda p: p.enforce_sorted.setChecked(True), {"enforce_sorted": True}),
        (lambda p: p.padding_side.setCurrentText("left"), {"padding_side": "left"}),
        (lambda p: p.multiple.setValue(4), {"pad_to_multiple_of": 4}),
        (lambda p: p.max_length.setValue(4), {"max_length": 4}),
        (lambda p: p.order.setCurrentText("sorted"), {"order": "sorted"}),
        (lambda p: p.order.setCurrentText("bucketed"), {"order": "bucketed"}),
    ],
)
def test_every_option_applies_live_and_matches_torch(explorer, change, expected) -> None:
    panel = explorer.options_panel
    change(panel)
    options = explorer.state.options
    for name, value in expected.items():
        assert getattr(options, name) == value
    layout = compute_layout(explorer.state.batch, options)
    view = explorer.padded_view
    np.testing.assert_array_equal(view.grid.layout.padded.numpy(), layout.padded.numpy())
    assert view.image.image.shape == tuple(layout.padded.shape)
    if options.max_length is None and options.order == "given" and not options.pad_to_multiple_of:
        padded, mask, _ = _torch_layout(explorer)
        np.testing.assert_array_equal(view.image.image == PAD, ~mask.numpy())
        assert torch.equal(layout.padded, padded)


def test_padding_value_and_buckets_fields(explorer, qtbot) -> None:
    panel = explorer.options_panel
    edit = _child(explorer, QLineEdit, "paddingValueEdit")
    edit.selectAll()
    qtbot.keyClicks(edit, "-1")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert explorer.state.options.padding_value == -1
    pv = explorer.padded_view
    pads = np.argwhere(pv.image.image == PAD)
    assert set(pv.grid.labels(pads[:, 0], pads[:, 1])) == {"-1"}

    buckets = _child(explorer, QSpinBox, "bucketsSpin")
    assert not buckets.isEnabled()
    _child(explorer, QComboBox, "orderCombo").setCurrentText("bucketed")
    assert buckets.isEnabled()
    buckets.setValue(3)
    assert explorer.state.options.buckets == 3
    assert len(pv._bucket_items) == 3
    assert "bucketed (3) ◀" in explorer.waste.table._headers()
    assert panel.options().buckets == 3


@pytest.mark.parametrize("text", ["abc", "", "nan", "1e999"])
def test_bad_padding_value_is_refused_next_to_the_field(explorer, qtbot, text) -> None:
    edit = _child(explorer, QLineEdit, "paddingValueEdit")
    before = explorer.state.options
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    error = _child(explorer, QLabel, "paddingValueError")
    assert not error.isHidden() and "not a number" in error.text()
    assert explorer.state.options == before


def test_hover_links_every_view_and_says_where_the_token_goes(explorer) -> None:
    pv = explorer.padded_view
    _hover(pv, 4, 2)  # time-first: row t=4, column sequence 2
    expected = describe_cell(explorer.document.layout, 2, 4)
    assert expected.startswith("sequence 2, t=4 -> packed row 11 (time step 4, slot 1 of 2)")
    assert _child(explorer, QLabel, "hoverStatus").text() == expected
    assert pv.hover.cells.tolist() == [[4, 2]]
    assert explorer.mask_view.hover.cells.tolist() == [[4, 2]]
    assert explorer.packed_view.hover.cells.tolist() == [[4, 0]]
    assert explorer.jagged_view.hover.cells.tolist() == [[0, 12]]  # offsets[2] + 4

    _hover(explorer.packed_view, 1, 2)  # packed row 5: sequence 1, t=1
    assert "packed row 5" in explorer.hover_label.text()
    assert pv.hover.cells.tolist() == [[1, 1]]

    _hover(pv, 6, 0)  # a pad: no packed row, no jagged value
    assert "padding" in explorer.hover_label.text()
    assert explorer.packed_view.hover.cells.tolist() == []
    assert explorer.jagged_view.hover.cells.tolist() == []


def test_hovering_a_batch_sizes_bar_lights_that_time_step(explorer) -> None:
    kv = explorer.packed_view
    vb = kv.bars_plot.getViewBox()
    scene = vb.mapViewToScene(vb.viewRect().center())
    t = int(vb.mapSceneToView(scene).y())
    QTest.mouseMove(kv.viewport(), kv.mapFromScene(scene))
    QApplication.processEvents()
    assert explorer.hover_label.text().startswith(f"t={t}: ")
    assert len(kv.hover.cells) == int(kv.grid.layout.batch_sizes[t])


@pytest.mark.parametrize("side", ["right", "left"])
def test_highlight_time_lights_the_rows_torch_packs_at_t(explorer, side) -> None:
    explorer.options_panel.padding_side.setCurrentText(side)
    padded, _, lengths = _torch_layout(explorer)
    packed = pack_padded_sequence(padded, lengths, enforce_sorted=False)
    explorer.highlight_time(1)
    sizes = packed.batch_sizes.tolist()
    start = sum(sizes[:1])
    assert explorer.lit_cells("packed").tolist() == [[1, k] for k in range(sizes[1])]
    # the padded cells torch put into those data rows: (time 1, sequence sorted_indices[k])
    rows = packed.sorted_indices[: sizes[1]].tolist()
    assert sorted(explorer.lit_cells("padded").tolist()) == sorted([1, r] for r in rows)
    values = [int(padded[1, r]) for r in rows]
    assert packed.data[start : start + sizes[1]].tolist() == values
    explorer.highlight_time(None)
    assert explorer.lit_cells("packed").tolist() == []


def test_highlight_cells_lights_them_in_every_view(explorer) -> None:
    explorer.highlight_cells([(0, 0), (2, 6)])
    assert sorted(explorer.lit_cells("padded").tolist()) == [[0, 0], [6, 2]]
    assert sorted(explorer.lit_cells("jagged").tolist()) == [[0, 0], [0, 14]]
    assert sorted(explorer.lit_cells("packed").tolist()) == [[0, 1], [6, 0]]
    explorer.highlight_cells([])
    assert explorer.lit_cells("mask").tolist() == []


def test_left_padding_then_packing_shows_the_pitfall_and_what_torch_packed(explorer) -> None:
    panel = _child(explorer, type(explorer.pitfall_panel), "pitfallPanel")
    assert panel.isHidden()
    explorer.options_panel.padding_side.setCurrentText("left")
    assert panel.isVisible() and "left_padding_packed" in panel.label.text()
    padded, _, lengths = _torch_layout(explorer)
    packed = pack_padded_sequence(padded, lengths, enforce_sorted=False)
    kv = explorer.packed_view
    pads_packed = int((kv.image.image == PAD).sum())
    assert pads_packed == int((packed.data == 0).sum()) > 0  # torch packed pads


def test_refused_pack_keeps_the_window_working(explorer) -> None:
    explorer.options_panel.enforce_sorted.setChecked(True)  # 5, 3, 7 is not sorted
    assert "unsorted_enforce_sorted" in explorer.pitfall_panel.label.text()
    assert "torch said" in explorer.pitfall_panel.label.text()
    assert explorer.packed_view.refusal.isVisible()
    explorer.options_panel.order.setCurrentText("sorted")
    assert explorer.packed_view.grid.layout.packed is not None
    assert not explorer.packed_view.refusal.isVisible()


def test_show_code_is_the_exact_code_and_copies(explorer, qtbot) -> None:
    button = explorer.show_code_button
    code_view = explorer.findChild(type(explorer.code_panel.view), "codeView")
    assert not code_view.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert code_view.isVisible()
    assert code_view.toPlainText() == explorer.document.code
    assert code_view.toPlainText().startswith(
        layout_code(explorer.state.batch, explorer.state.options)
    )  # then the row packing's code
    explorer.options_panel.batch_first.setChecked(True)
    assert "batch_first=True" in code_view.toPlainText()
    copy = explorer.code_panel.copy_button
    assert copy.width() > 20 and code_view.width() > 300
    qtbot.mouseClick(copy, Qt.MouseButton.LeftButton)
    assert QApplication.clipboard().text() == code_view.toPlainText()


def test_word_tokens_are_written_in_the_cells(explorer) -> None:
    explorer.state.set_batch(from_text("the cat sat\nhi"))
    pv = explorer.padded_view
    assert pv.grid.labels(np.array([0, 1, 2]), np.array([0, 0, 0])) == ["the", "cat", "sat"]
    pv.viewport().repaint()
    assert pv.text.painted_cells == 6  # every cell is big enough for its text


def test_export_views_to_png_and_svg(explorer, tmp_path) -> None:
    paths = explorer.export_all(tmp_path / "png", "png")
    names = ["padded", "mask", "packed", "jagged", "rows", "row_mask"]
    assert [p.name for p in paths] == [f"{name}.png" for name in names]  # hidden ones drawn
    assert all(p.stat().st_size > 1000 for p in paths)
    svg = explorer.export_view("packed", tmp_path / "packed.svg")
    assert svg.read_text().lstrip().startswith("<?xml") and "<svg" in svg.read_text()
    with pytest.raises(ValueError, match=r"png or .svg"):
        explorer.export_view("mask", tmp_path / "mask.jpg")


def test_presentation_hides_the_editors(explorer) -> None:
    explorer.set_presentation(True)
    assert not explorer.editor_column.isVisible()
    assert explorer.padded_view.isVisible()
    explorer.set_presentation(False)
    assert explorer.editor_column.isVisible()


def test_presentation_gives_the_views_the_room_unless_a_step_calls_a_panel_out(
    explorer,
) -> None:
    explorer.set_presentation(True)
    assert not explorer.hover_label.isVisible()
    assert not explorer.waste.isVisible() and not explorer.jagged_view.isVisible()
    explorer.show_secondary(["paddedView", "wasteTable"])  # a lesson step's callouts
    assert explorer.waste.table.isVisible() and not explorer.waste.label.isVisible()
    assert not explorer.jagged_view.isVisible()
    explorer.set_presentation(False)
    assert explorer.hover_label.isVisible() and explorer.waste.label.isVisible()
    assert explorer.jagged_view.isVisible()


def test_axis_labels_follow_the_theme_foreground(explorer) -> None:
    set_theme("dark")
    options = explorer.state.options
    explorer.state.set_options(replace(options, batch_first=not options.batch_first))
    foreground = QColor(current_theme().foreground).name()
    for view in explorer.views.values():
        for side in ("left", "bottom"):
            axis = view.plot.getAxis(side)
            if axis.labelText:
                assert QColor(axis.labelStyle["color"]).name() == foreground


def test_cell_text_is_drawn_over_the_highlight(explorer) -> None:
    for view in explorer.views.values():
        assert view.text.zValue() > view.lit.zValue()


def test_hidden_explorer_catches_up_when_shown(explorer) -> None:
    explorer.hide()
    explorer.state.set_batch(from_lengths([2, 2]))
    assert explorer.padded_view.image.image.shape == (7, 3)  # not redrawn while hidden
    explorer.show()
    assert explorer.padded_view.image.image.shape == (2, 2)


def _grab(widget):
    QApplication.processEvents()
    return widget.grab().toImage()


def _colors(image, step: int = 3) -> set[int]:
    return {
        image.pixel(x, y)
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    }


def test_rendered_window_is_not_blank_and_pads_are_distinct(explorer) -> None:
    picture = _grab(explorer)
    assert len(_colors(picture, 7)) > 50
    padded = _grab(explorer.padded_view)
    colors = _colors(padded)
    assert qcolor(current_theme().pad).rgb() in colors
    mask = _colors(_grab(explorer.mask_view))
    assert qcolor(current_theme().mask_real).rgb() in mask


def test_theme_change_recolours_the_views(explorer) -> None:
    set_theme("dark")
    padded = _grab(explorer.padded_view)
    assert QColor(current_theme().pad).rgb() in _colors(padded)
    assert explorer.padded_view.image.lut[1].tolist()[:3] == list(
        QColor(current_theme().pad).getRgb()[:3]
    )


def test_option_widgets_follow_the_state(explorer) -> None:
    explorer.state.set_options(LayoutOptions(batch_first=True, order="sorted", max_length=3))
    assert _child(explorer, QCheckBox, "batchFirstCheck").isChecked()
    assert _child(explorer, QComboBox, "orderCombo").currentText() == "sorted"
    assert _child(explorer, QSpinBox, "maxLengthSpin").value() == 3
    assert explorer.padded_view.image.image.shape == (3, 3)


def test_hover_status_is_a_full_sentence_after_sorting(explorer) -> None:
    explorer.options_panel.order.setCurrentText("sorted")
    _hover(explorer.padded_view, 0, 0)
    assert explorer.hover_label.text().startswith("sequence 2 (row 0), t=0 -> packed row 0")


def test_mouse_leaving_clears_the_hover(explorer) -> None:
    pv = explorer.padded_view
    _hover(pv, 0, 0)
    assert len(pv.hover.cells) == 1
    QApplication.sendEvent(pv, QEvent(QEvent.Type.Leave))
    assert len(pv.hover.cells) == 0
    assert explorer.hover_label.text().startswith("Point at a cell")


def test_views_and_table_follow_the_application_font(explorer, qapp) -> None:
    axis = explorer.padded_view.plot.getAxis("left")
    before = axis.style["tickFont"].pointSizeF()
    rows = explorer.editor.table.verticalHeader().defaultSectionSize()
    original = qapp.font()
    bigger = qapp.font()
    bigger.setPointSizeF(original.pointSizeF() * 2)
    qapp.setFont(bigger)
    try:
        QApplication.processEvents()
        assert axis.style["tickFont"].pointSizeF() == pytest.approx(before * 2)
        assert explorer.padded_view.text._font.pointSizeF() == pytest.approx(bigger.pointSizeF())
        assert explorer.editor.table.verticalHeader().defaultSectionSize() > rows
    finally:
        qapp.setFont(original)


def test_no_view_draws_an_axis_on_its_top_or_right(explorer) -> None:
    plots = [view.plot for view in explorer.views.values()] + [explorer.packed_view.bars_plot]
    for plot in plots:
        assert not plot.getAxis("top").isVisible() and not plot.getAxis("right").isVisible()
    assert explorer.padded_view.plot.getAxis("left").isVisible()
