"""Making a batch in the explorer as a user would: the lengths line, the table, the draggable
bars, the generator, text, presets; bad input is refused next to its field."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QLineEdit, QPushButton, QSpinBox
from torch.nn.utils.rnn import pad_sequence

from padviz.core.batch import GeneratorSpec, from_lengths, generate, load_preset
from padviz.core.views import PAD
from padviz.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    win.state.set_batch(from_lengths([5, 3, 7]), edited=False)
    win.resize(1500, 950)
    win.show()
    qtbot.waitExposed(win)
    return win


def _child(win, kind, name):
    widget = win.findChild(kind, name)
    assert widget is not None, name
    return widget


def _type_lengths(qtbot, win, text: str) -> None:
    edit = _child(win, QLineEdit, "lengthsEdit")
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_typing_lengths_and_return_redraws_every_view(window, qtbot) -> None:
    _type_lengths(qtbot, window, "4, 2 6")
    assert window.state.batch.lengths == [4, 2, 6]
    assert window.state.dirty and window.isWindowModified()
    seqs = [torch.tensor(s) for s in window.state.batch.sequences]
    padded = pad_sequence(seqs)
    view = window.explorer.padded_view
    assert view.image.image.shape == (6, 3)
    np.testing.assert_array_equal(view.grid.layout.padded.numpy(), padded.numpy())
    np.testing.assert_array_equal(view.image.image == PAD, (padded == 0).numpy())
    assert "6 pad cells of 18" in _child(window, QLabel, "wasteLabel").text()
    assert "33.3%" in _child(window, QLabel, "wasteLabel").text()
    # the tokens a sequence still has are kept
    assert window.state.batch.sequences[0] == from_lengths([5, 3, 7]).sequences[0][:4]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("5,x,7", "not a whole number"),
        ("5,-3,7", "negative"),
        ("", "no lengths"),
        ("5,0,7", "length 0"),
        ("5,,7", "empty entry"),
        ("99999", "exceeds the length cap"),
    ],
)
def test_bad_lengths_are_refused_next_to_the_field(window, qtbot, text, words) -> None:
    before = window.state.batch
    shape = window.explorer.padded_view.image.image.shape
    _type_lengths(qtbot, window, text)
    error = _child(window, QLabel, "lengthsError")
    assert not error.isHidden() and words in error.text()
    assert window.state.batch is before
    assert window.explorer.padded_view.image.image.shape == shape
    _type_lengths(qtbot, window, "2,2")
    assert error.isHidden()


def test_table_shows_and_edits_lengths_and_tokens(window) -> None:
    model = window.explorer.editor.model
    table = _child(window, type(window.explorer.editor.table), "batchTable")
    assert table.model() is model and model.rowCount() == 3
    assert model.index(2, 0).data() == "7"
    assert model.index(0, 1).data() == " ".join(map(str, window.state.batch.sequences[0]))
    assert model.setData(model.index(1, 0), "6")
    assert window.state.batch.lengths == [5, 6, 7]
    assert model.setData(model.index(0, 1), "3 1 4")
    assert window.state.batch.sequences[0] == (3, 1, 4)
    assert window.explorer.padded_view.grid.layout.lengths.tolist() == [3, 6, 7]
    error = _child(window, QLabel, "tableError")
    assert not model.setData(model.index(0, 1), "3 zero 4")
    assert not error.isHidden() and "'zero'" in error.text()
    assert not model.setData(model.index(0, 0), "-2")
    assert "negative" in error.text()
    assert window.state.batch.sequences[0] == (3, 1, 4)


def test_table_edits_words_through_the_vocabulary(window) -> None:
    window.explorer.editor.load_preset("sentences")
    model = window.explorer.editor.model
    first = model.index(0, 1).data()
    assert first.split()[0].isalpha()
    assert model.setData(model.index(0, 1), "the film was")
    assert window.explorer.padded_view.grid.labels(np.array([0, 1, 2]), np.array([0, 0, 0])) == [
        "the", "film", "was"
    ]
    assert not model.setData(model.index(0, 1), "the zyzzyva")


def test_add_remove_duplicate_buttons(window, qtbot) -> None:
    editor = window.explorer.editor
    editor.table.selectRow(1)
    qtbot.mouseClick(_child(window, QPushButton, "duplicateSequenceButton"), Qt.MouseButton.LeftButton)
    assert window.state.batch.lengths == [5, 3, 3, 7]
    assert window.state.batch.sequences[1] == window.state.batch.sequences[2]
    editor.table.selectRow(0)
    qtbot.mouseClick(_child(window, QPushButton, "removeSequenceButton"), Qt.MouseButton.LeftButton)
    assert window.state.batch.lengths == [3, 3, 7]
    editor.table.selectRow(2)
    qtbot.mouseClick(_child(window, QPushButton, "addSequenceButton"), Qt.MouseButton.LeftButton)
    assert window.state.batch.lengths == [3, 3, 7, 7]
    assert window.explorer.mask_view.image.image.shape == (7, 4)


def test_removing_the_last_sequence_is_refused(window, qtbot) -> None:
    window.state.set_batch(from_lengths([4]))
    qtbot.mouseClick(_child(window, QPushButton, "removeSequenceButton"), Qt.MouseButton.LeftButton)
    assert window.state.batch.lengths == [4]
    assert "last sequence" in _child(window, QLabel, "tableError").text()


def test_dragging_a_bar_changes_that_length(window) -> None:
    chart = window.explorer.editor.chart
    box = chart.box

    def at(x: float, y: float) -> QPoint:
        return chart.mapFromScene(box.mapViewToScene(QPointF(x, y)))

    start, end = at(2, 3.2), at(2, 8.8)
    viewport = chart.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 6):
        QTest.qWait(15)  # pyqtgraph drops moves closer than 10 ms apart
        QTest.mouseMove(viewport, start + (end - start) * k / 5)
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    QApplication.processEvents()
    assert window.state.batch.lengths == [5, 3, 9]
    assert window.explorer.padded_view.image.image.shape == (9, 3)


def test_generator_regenerates_from_its_settings(window, qtbot) -> None:
    _child(window, QComboBox, "generatorDistribution").setCurrentText("lognormal")
    _child(window, QSpinBox, "generatorCount").setValue(12)
    _child(window, QSpinBox, "generatorMax").setValue(40)
    _child(window, QSpinBox, "generatorSeed").setValue(7)
    qtbot.mouseClick(_child(window, QPushButton, "regenerateButton"), Qt.MouseButton.LeftButton)
    expected = generate(GeneratorSpec("lognormal", 12, 1, 40, 16, 7))
    assert window.state.batch.sequences == expected.sequences
    assert window.explorer.padded_view.image.image.shape == (max(expected.lengths), 12)


def test_generator_refuses_min_above_max(window, qtbot) -> None:
    before = window.state.batch
    _child(window, QSpinBox, "generatorMin").setValue(30)
    _child(window, QSpinBox, "generatorMax").setValue(10)
    qtbot.mouseClick(_child(window, QPushButton, "regenerateButton"), Qt.MouseButton.LeftButton)
    error = _child(window, QLabel, "generatorError")
    assert not error.isHidden() and "max_length 10" in error.text()
    assert window.state.batch is before


def test_text_box_builds_a_batch_of_words_or_characters(window, qtbot) -> None:
    edit = window.explorer.text_box.edit
    edit.setPlainText("")
    qtbot.keyClicks(edit, "the cat sat")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "a dog")
    qtbot.mouseClick(_child(window, QPushButton, "textApplyButton"), Qt.MouseButton.LeftButton)
    assert window.state.batch.lengths == [3, 2]
    assert window.state.batch.vocab == ("<pad>", "the", "cat", "sat", "a", "dog")
    _child(window, QComboBox, "tokenLevelCombo").setCurrentText("char")
    qtbot.mouseClick(_child(window, QPushButton, "textApplyButton"), Qt.MouseButton.LeftButton)
    assert window.state.batch.lengths == [11, 5]

    edit.setPlainText("   \n  ")
    qtbot.mouseClick(_child(window, QPushButton, "textApplyButton"), Qt.MouseButton.LeftButton)
    error = _child(window, QLabel, "textError")
    assert not error.isHidden() and "empty" in error.text()
    assert window.state.batch.lengths == [11, 5]


def test_choosing_a_preset_loads_it_unedited(window) -> None:
    combo = _child(window, QComboBox, "presetCombo")
    index = combo.findText("article")
    combo.activated.emit(index)
    assert window.state.batch == load_preset("article")
    assert not window.state.dirty
    assert combo.currentIndex() == 0
    assert "article" in window.explorer.batch_info.text()
