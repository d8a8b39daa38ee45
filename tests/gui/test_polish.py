"""Leftovers a lecturer sees: batch_sizes numbers that read in every theme, a preset box that
names the preset shown, a header that stops describing a batch once it is edited, and spin boxes
that say why they refuse a key."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSpinBox

from padviz.core.batch import from_lengths
from padviz.gui.lecture.timewalk import PRESENTING_CAPTION_SCALE
from padviz.gui.main_window import MainWindow
from padviz.gui.theme import THEMES, contrast, set_theme


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.resize(1600, 1000)
    win.show()
    qtbot.waitExposed(win)
    return win


def _hex(color: QColor) -> str:
    return color.name()


@pytest.mark.parametrize("name", list(THEMES))
def test_batch_sizes_numbers_read_on_their_bars_and_beside_them(window, qtbot, name) -> None:
    """Lengths 8, 1, ...: batch_sizes[0] = 8 fills its bar's row; batch_sizes[7] = 1 is a short
    bar, so its number stands on the background. Both must stand out from what is behind."""
    set_theme(name)
    theme = THEMES[name]
    window.state.set_batch(from_lengths([8, 1, 2, 3, 4, 5, 6, 7]), edited=False)
    view = window.explorer.packed_view
    qtbot.waitUntil(lambda: window.state.current and not window.explorer.drawing)
    image = view.grab().toImage()
    vb = view.bars_plot.getViewBox()
    for t, behind in ((0, theme.bar), (7, theme.background)):
        scene = vb.mapViewToScene(QRectF(0.3 * 8, t + 0.2, 0.4 * 8, 0.6)).boundingRect()
        box = view.mapFromScene(scene).boundingRect()
        pixels = {
            _hex(image.pixelColor(x, y))
            for x in range(box.left(), box.right())
            for y in range(box.top(), box.bottom())
        }
        best = max(contrast(pixel, behind) for pixel in pixels)
        assert best >= 4.0, (name, t, best)


def test_preset_box_names_the_preset_until_the_batch_is_edited(window) -> None:
    editor = window.explorer.editor
    combo = editor.preset_combo
    assert combo.currentText() == "article"  # the window opens on the article's batch
    info = window.explorer.batch_info
    assert "example: three sequences of lengths 5, 3 and 7" in info.text()
    editor.load_preset("long_tail")
    assert combo.currentText() == "long_tail"
    editor.lengths_edit.setText("4,2")
    editor.apply_lengths()
    assert combo.currentIndex() == 0 and combo.currentText().startswith("choose")
    batch = window.state.batch
    assert (batch.name, batch.description) == ("long_tail (edited)", "")
    window.state.ensure_document()
    assert info.text() == "<b>long_tail (edited)</b>: 2 sequences, lengths 2..4"
    editor.remove_sequence()
    assert window.state.batch.name == "long_tail (edited)"  # said once


def test_a_spin_box_says_which_field_refused_a_letter(window, qtbot) -> None:
    spin = window.findChild(QSpinBox, "padMultipleSpin")
    spin.setFocus()
    qtbot.keyClicks(spin, "x")
    assert spin.value() == 0
    message = window.statusBar().currentMessage()
    assert message == "pad to multiple of: type a whole number from 0 to 512 ('x' is not taken)"
    assert window.spin_guard.last_message == message
    spin.selectAll()
    qtbot.keyClicks(spin, "4")  # what it takes: no message
    assert spin.text() == "4" and window.spin_guard.last_message == message


def test_the_walk_caption_is_a_headline_in_presentation(window) -> None:
    walk = window.lecture.walk
    assert walk.caption.font().pointSizeF() == pytest.approx(walk.font().pointSizeF())
    window.lecture.set_presentation(True)
    assert walk.caption.font().pointSizeF() == pytest.approx(
        walk.font().pointSizeF() * PRESENTING_CAPTION_SCALE
    )
    assert walk.caption.font().bold()
    window.lecture.set_presentation(False)
    assert walk.caption.font().pointSizeF() == pytest.approx(walk.font().pointSizeF())


def test_a_form_spin_box_is_named_by_its_form_label(window, qtbot) -> None:
    window.show_tab("training")
    spin = window.training.form.hidden_spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "h")
    message = window.spin_guard.last_message
    low, high = spin.minimum(), spin.maximum()
    assert message == f"hidden: type a whole number from {low} to {high} ('h' is not taken)"
