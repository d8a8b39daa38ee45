"""The Training tab driven as a user drives it: real worker processes, tiny CPU models."""

from __future__ import annotations

import ast
import csv
import os
import signal

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from padviz.core.training import TrainConfig, Trainer
from padviz.gui.state import AppState
from padviz.gui.training import TrainingPanel
from padviz.gui.training.controller import RunState
from tests.gui.training_helpers import (
    WAIT_MS,
    data_items,
    point_counts,
    settle,
    tiny,
    training_panel,
)

RUNS = ["padded-unmasked", "packed"]


@pytest.fixture
def panel(qtbot):
    yield from training_panel(qtbot)


def _wait_state(qtbot, panel, state: RunState) -> None:
    qtbot.waitUntil(lambda: panel.controller.state is state, timeout=WAIT_MS)


def _wait_points(qtbot, panel, n: int) -> None:
    qtbot.waitUntil(lambda: min(point_counts(panel.masked_plot), default=0) >= n, timeout=WAIT_MS)


def test_training_plots_the_cores_numbers_and_the_session_keeps_them(
    qtbot, panel, tmp_path
) -> None:
    config = tiny(steps=8, seed=9, bidirectional=True)
    panel.set_training(config, RUNS)
    panel.smoothing_slider.setValue(0)  # lines then show the raw values
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    assert not panel.start_button.isEnabled() and not panel.form.device_combo.isEnabled()
    panel.start()  # Start twice: ignored while running
    _wait_state(qtbot, panel, RunState.FINISHED)
    for plot in panel.plots:
        assert len(data_items(plot)) == len(RUNS)
        assert point_counts(plot) == [8, 8]
        assert [item.name() for item in data_items(plot)] == ["padded, unmasked loss", "packed"]
    for run, mode in enumerate(RUNS):
        records = list(Trainer(TrainConfig.from_dict({**config, "mode": mode})))
        masked, unmasked = (data_items(p)[run] for p in panel.plots)
        np.testing.assert_array_equal(masked.xData, np.arange(1, 9))
        assert masked.yData.tolist() == [r.masked_loss for r in records]
        assert unmasked.yData.tolist() == [r.unmasked_loss for r in records]
    colors = [[i.opts["pen"].color().name() for i in data_items(p)] for p in panel.plots]
    assert colors[0] == colors[1] and len(set(colors[0])) == 2
    assert panel.metrics.item(1, 1).text() == "8"
    assert panel.start_button.isEnabled() and panel.form.device_combo.isEnabled()

    panel.log_y_box.setChecked(True)
    panel.smoothing_slider.setValue(35)
    panel.save_session(tmp_path / "session.json")
    other = TrainingPanel(AppState())
    qtbot.addWidget(other)
    other.open_session(tmp_path / "session.json")
    assert other.state.batch == panel.state.batch
    assert other.controller.curves == panel.controller.curves
    assert other.controller.runs == RUNS
    assert other.form.base_config() == panel.form.base_config()
    assert other.log_y_box.isChecked() and other.smoothing_slider.value() == 35
    for mine, theirs in zip(panel.plots, other.plots, strict=False):
        for a, b in zip(data_items(mine), data_items(theirs), strict=False):
            np.testing.assert_array_equal(a.xData, b.xData)
            np.testing.assert_array_equal(a.yData, b.yData)
    other.shutdown()

    text = panel.export_csv(tmp_path / "curves.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert [r["run"] for r in rows] == ["padded-unmasked"] * 8 + ["packed"] * 8
    assert {"masked_loss", "unmasked_loss", "article_loss", "ignore_index_loss"} <= set(rows[0])
    for name in ("plots.png", "plots.svg"):
        assert panel.export_plots(tmp_path / name).stat().st_size > 1000
    with pytest.raises(ValueError):
        panel.export_plots(tmp_path / "plots.jpg")
    script = panel.export_script(tmp_path / "run.py", "packed").read_text()
    ast.parse(script)
    assert "MODE = 'packed'" in script and "SEED = 9" in script


def test_controls_shortcuts_and_the_hidden_state_view(qtbot, panel) -> None:
    panel.set_training(tiny(steps=100_000, bidirectional=True), RUNS)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    view = panel.hidden_view  # shown: it asks the worker for the initial weights' states
    qtbot.waitUntil(lambda: view.truth is not None, timeout=WAIT_MS)
    assert view.images["packed"].image.shape == (16, 3)  # units x sequences, both directions
    assert "packed vs alone: all match" in view.summary.text()
    assert "padded vs alone: 2 of 3 sequences differ" in view.summary.text()

    panel.form.seed_spin.setFocus()
    QTest.keyClick(panel.form.seed_spin, Qt.Key.Key_S)  # typing in a field: no shortcut
    QTest.keyClick(panel.form.seed_spin, Qt.Key.Key_R)
    QTest.keyClick(panel.form.seed_spin, Qt.Key.Key_Space)
    assert panel.controller.state is RunState.IDLE

    panel.start_button.setFocus()
    QTest.keyClick(panel, Qt.Key.Key_Space)  # Space starts
    assert panel.controller.state is RunState.RUNNING
    assert not panel.form.device_combo.isEnabled()  # no device change while training
    _wait_points(qtbot, panel, 3)
    QTest.keyClick(panel, Qt.Key.Key_Space)  # ... and pauses
    assert panel.pause_button.isChecked() and panel.controller.state is RunState.PAUSED
    settle(qtbot, panel.controller)  # the pause is handled, the rounds before it are shown
    held = point_counts(panel.masked_plot)
    settle(qtbot, panel.controller)
    assert point_counts(panel.masked_plot) == held  # pause holds

    QTest.keyClick(panel, Qt.Key.Key_S)  # S: exactly one step of every run
    settle(qtbot, panel.controller)
    assert point_counts(panel.masked_plot) == [n + 1 for n in held]
    assert point_counts(panel.unmasked_plot) == [n + 1 for n in held]
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: point_counts(panel.masked_plot) == [n + 2 for n in held], timeout=WAIT_MS
    )

    view.weights_combo.setCurrentIndex(2)  # the packed run's current weights
    before = view.truth
    qtbot.waitUntil(lambda: view.truth is not before, timeout=WAIT_MS)
    assert "packed vs alone: all match" in view.summary.text()

    panel.lr_spin.setValue(0.05)  # changeable while paused or running
    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)  # resume
    qtbot.waitUntil(lambda: panel.controller.curves[0].last("lr") == 0.05, timeout=WAIT_MS)
    qtbot.mouseClick(panel.reset_button, Qt.MouseButton.LeftButton)  # Reset while running
    assert panel.controller.state is RunState.RUNNING
    _wait_points(qtbot, panel, 2)
    assert all(item.xData[0] == 1 for item in data_items(panel.masked_plot))

    qtbot.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)  # Stop while paused
    assert panel.controller.state is RunState.STOPPED
    settle(qtbot, panel.controller)
    stopped = point_counts(panel.masked_plot)
    settle(qtbot, panel.controller)
    assert point_counts(panel.masked_plot) == stopped and min(stopped) > 0
    assert not panel.stop_button.isEnabled() and panel.form.device_combo.isEnabled()

    QTest.keyClick(panel, Qt.Key.Key_R)  # R resets: curves gone, settings editable
    assert panel.controller.state is RunState.IDLE
    assert point_counts(panel.masked_plot) == [0, 0]
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)  # Step with nothing running
    qtbot.waitUntil(lambda: point_counts(panel.masked_plot) == [1, 1], timeout=WAIT_MS)
    assert panel.controller.state is RunState.PAUSED

    panel.set_presentation(True)
    assert not panel.settings_area.isVisible() and panel.masked_plot.isVisible()
    panel.set_presentation(False)
    assert panel.settings_area.isVisible()


def test_faults_are_shown_and_the_panel_stays_usable(qtbot, panel) -> None:
    panel.set_training(tiny(steps=10, nan_at_step=3), ["packed"])
    panel.start()
    _wait_state(qtbot, panel, RunState.FINISHED)
    assert "step 3" in panel.fault_label.text() and "not finite" in panel.fault_label.text()
    assert not panel.fault_label.isHidden()
    assert point_counts(panel.masked_plot) == [2]

    panel.set_training(tiny(steps=100_000), ["packed"])
    panel.start()
    _wait_points(qtbot, panel, 1)
    os.kill(panel.controller.worker_pid, signal.SIGKILL)  # the worker dies
    _wait_state(qtbot, panel, RunState.STOPPED)
    assert "stopped unexpectedly" in panel.status_label.text()
    assert point_counts(panel.masked_plot)[0] >= 1  # the curves so far stay
    assert panel.start_button.isEnabled() and panel.form.isEnabled()


def test_the_cell_combo_sets_the_run_and_the_truth_view_switches_to_c_n(qtbot, panel) -> None:
    form = panel.form
    assert [form.cell_combo.itemData(i) for i in range(form.cell_combo.count())] == [
        "lstm",
        "gru",
        "rnn",
    ]
    panel.set_training(tiny(cell="gru"), RUNS)
    assert form.cell_combo.currentData() == "gru"
    assert {config["cell"] for config in form.run_configs()} == {"gru"}
    panel.show()
    qtbot.waitExposed(panel)
    view = panel.hidden_view
    qtbot.waitUntil(lambda: view.truth is not None, timeout=WAIT_MS)
    assert "c_padded" not in view.truth and not view.state_combo.isVisible()  # a GRU: h_n only
    assert "final h_n" in view.title.text()

    panel.set_training(tiny(cell="lstm"), RUNS)
    qtbot.waitUntil(lambda: view.truth is not None and "c_padded" in view.truth, timeout=WAIT_MS)
    assert view.state_combo.isVisible()
    h_image = view.images["packed"].image.copy()
    view.state_combo.setCurrentIndex(1)  # c_n
    assert "c_n" in view.title.text()
    np.testing.assert_array_equal(view.images["packed"].image, view.truth["c_packed"].T)
    assert not np.array_equal(view.images["packed"].image, h_image)
    assert "packed vs alone: all match" in view.summary.text()
