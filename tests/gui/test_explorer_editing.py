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


def _child(parent, kind, name):
    widget = parent.findChild(kind, name)
    assert widget is not None, name
    return widget


def _click(qtbot, explorer, name: str) -> None:
    qtbot.mouseClick(_child(explorer, QPushButton, name), Qt.MouseButton.LeftButton)


def _type_lengths(qtbot, explorer, text: str) -> None:
    edit = _child(explorer, QLineEdit, "lengthsEdit")
    edit.selectAll()
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_typing_lengths_and_return_redraws_every_view(explorer, qtbot) -> None:
    _type_lengths(qtbot, explorer, "4, 2 6")
    assert explorer.state.batch.lengths == [4, 2, 6]
    assert explorer.state.dirty
    seqs = [torch.tensor(s) for s in explorer.state.batch.sequences]
    padded = pad_sequence(seqs)
    view = explorer.padded_view
    assert view.image.image.shape == (6, 3)
    np.testing.assert_array_equal(view.grid.layout.padded.numpy(), padded.numpy())
    np.testing.assert_array_equal(view.image.image == PAD, (padded == 0).numpy())
    assert "6 pad cells of 18" in _child(explorer, QLabel, "wasteLabel").text()
    assert "33.3%" in _child(explorer, QLabel, "wasteLabel").text()
    # the tokens a sequence still has are kept
    assert explorer.state.batch.sequences[0] == from_lengths([5, 3, 7]).sequences[0][:4]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("5,x,7", "not a whole number"),
        ("5,-3,7", "negative"),
        ("", "no lengths"),
        ("5,,7", "empty entry"),
        ("99999", "exceeds the length cap"),
    ],
)
def test_bad_lengths_are_refused_next_to_the_field(explorer, qtbot, text, words) -> None:
    before = explorer.state.batch
    shape = explorer.padded_view.image.image.shape
    _type_lengths(qtbot, explorer, text)
    error = _child(explorer, QLabel, "lengthsError")
    assert not error.isHidden() and words in error.text()
    assert explorer.state.batch is before
    assert explorer.padded_view.image.image.shape == shape
    _type_lengths(qtbot, explorer, "2,2")
    assert error.isHidden()


def test_a_length_of_zero_is_laid_out_to_show_its_pitfall(explorer, qtbot) -> None:
    _type_lengths(qtbot, explorer, "5,0,7")
    assert explorer.state.batch.lengths == [5, 0, 7]
    padded = pad_sequence(
        [torch.tensor(s, dtype=torch.long) for s in explorer.state.batch.sequences]
    )
    np.testing.assert_array_equal(explorer.padded_view.grid.layout.padded.numpy(), padded.numpy())
    assert (explorer.padded_view.image.image[:, 1] == PAD).all()  # a column of pure padding
    panel = explorer.pitfall_panel
    assert panel.isVisible() and "zero_length" in panel.label.text()
    with pytest.raises(RuntimeError, match="greater than 0"):
        torch.nn.utils.rnn.pack_padded_sequence(
            padded, torch.tensor([5, 0, 7]), enforce_sorted=False
        )
    assert "greater than 0" in panel.label.text()  # what torch said
    assert explorer.packed_view.refusal.isVisible()


def test_table_shows_and_edits_lengths_and_tokens(explorer) -> None:
    model = explorer.editor.model
    table = _child(explorer, type(explorer.editor.table), "batchTable")
    assert table.model() is model and model.rowCount() == 3
    assert model.index(2, 0).data() == "7"
    assert model.index(0, 1).data() == " ".join(map(str, explorer.state.batch.sequences[0]))
    assert model.setData(model.index(1, 0), "6")
    assert explorer.state.batch.lengths == [5, 6, 7]
    assert model.setData(model.index(0, 1), "3 1 4")
    assert explorer.state.batch.sequences[0] == (3, 1, 4)
    assert explorer.padded_view.grid.layout.lengths.tolist() == [3, 6, 7]
    error = _child(explorer, QLabel, "tableError")
    assert not model.setData(model.index(0, 1), "3 zero 4")
    assert not error.isHidden() and "'zero'" in error.text()
    assert not model.setData(model.index(0, 0), "-2")
    assert "negative" in error.text()
    assert explorer.state.batch.sequences[0] == (3, 1, 4)


def test_table_edits_words_through_the_vocabulary(explorer) -> None:
    explorer.editor.load_preset("sentences")
    model = explorer.editor.model
    first = model.index(0, 1).data()
    assert first.split()[0].isalpha()
    assert model.setData(model.index(0, 1), "the film was")
    assert explorer.padded_view.grid.labels(np.array([0, 1, 2]), np.array([0, 0, 0])) == [
        "the",
        "film",
        "was",
    ]
    assert not model.setData(model.index(0, 1), "the zyzzyva")


def test_add_remove_duplicate_buttons(explorer, qtbot) -> None:
    editor = explorer.editor
    editor.table.selectRow(1)
    _click(qtbot, explorer, "duplicateSequenceButton")
    assert explorer.state.batch.lengths == [5, 3, 3, 7]
    assert explorer.state.batch.sequences[1] == explorer.state.batch.sequences[2]
    editor.table.selectRow(0)
    _click(qtbot, explorer, "removeSequenceButton")
    assert explorer.state.batch.lengths == [3, 3, 7]
    editor.table.selectRow(2)
    _click(qtbot, explorer, "addSequenceButton")
    assert explorer.state.batch.lengths == [3, 3, 7, 7]
    assert explorer.mask_view.image.image.shape == (7, 4)


def test_removing_the_last_sequence_is_refused(explorer, qtbot) -> None:
    explorer.state.set_batch(from_lengths([4]))
    _click(qtbot, explorer, "removeSequenceButton")
    assert explorer.state.batch.lengths == [4]
    assert "last sequence" in _child(explorer, QLabel, "tableError").text()


def test_dragging_a_bar_changes_that_length(explorer) -> None:
    chart = explorer.editor.chart
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
    assert explorer.state.batch.lengths == [5, 3, 9]
    assert explorer.padded_view.image.image.shape == (9, 3)


def test_generator_regenerates_from_its_settings(explorer, qtbot) -> None:
    _child(explorer, QComboBox, "generatorDistribution").setCurrentText("lognormal")
    _child(explorer, QSpinBox, "generatorCount").setValue(12)
    _child(explorer, QSpinBox, "generatorMax").setValue(40)
    _child(explorer, QSpinBox, "generatorSeed").setValue(7)
    _click(qtbot, explorer, "regenerateButton")
    expected = generate(GeneratorSpec("lognormal", 12, 1, 40, 16, 7))
    assert explorer.state.batch.sequences == expected.sequences
    assert explorer.padded_view.image.image.shape == (max(expected.lengths), 12)


def test_generator_refuses_min_above_max(explorer, qtbot) -> None:
    before = explorer.state.batch
    _child(explorer, QSpinBox, "generatorMin").setValue(30)
    _child(explorer, QSpinBox, "generatorMax").setValue(10)
    _click(qtbot, explorer, "regenerateButton")
    error = _child(explorer, QLabel, "generatorError")
    assert not error.isHidden() and "max_length 10" in error.text()
    assert explorer.state.batch is before


def test_text_box_builds_a_batch_of_words_or_characters(explorer, qtbot) -> None:
    edit = explorer.text_box.edit
    edit.setPlainText("")
    qtbot.keyClicks(edit, "the cat sat")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "a dog")
    _click(qtbot, explorer, "textApplyButton")
    assert explorer.state.batch.lengths == [3, 2]
    assert explorer.state.batch.vocab == ("<pad>", "the", "cat", "sat", "a", "dog")
    _child(explorer, QComboBox, "tokenLevelCombo").setCurrentText("char")
    _click(qtbot, explorer, "textApplyButton")
    assert explorer.state.batch.lengths == [11, 5]

    edit.setPlainText("   \n  ")
    _click(qtbot, explorer, "textApplyButton")
    error = _child(explorer, QLabel, "textError")
    assert not error.isHidden() and "empty" in error.text()
    assert explorer.state.batch.lengths == [11, 5]


def test_choosing_a_preset_loads_it_unedited(explorer) -> None:
    combo = _child(explorer, QComboBox, "presetCombo")
    index = combo.findText("article")
    combo.activated.emit(index)
    assert explorer.state.batch == load_preset("article")
    assert not explorer.state.dirty
    assert combo.currentText() == "article"  # the box names the preset shown
    assert "article" in explorer.batch_info.text()


def test_a_padding_value_beyond_the_limit_is_said_in_the_window(explorer, qtbot) -> None:
    panel = explorer.options_panel
    before = explorer.state.options
    panel.padding_value.setText("1e19")
    panel.padding_value.editingFinished.emit()
    assert panel.error.isVisible() or panel.padding_value_error.isVisible()
    shown = panel.error.text() + panel.padding_value_error.text()
    assert "padding_value 1e+19 must lie between" in shown
    assert explorer.state.options == before  # the views keep the last good options
