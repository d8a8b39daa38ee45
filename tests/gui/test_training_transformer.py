"""The Training tab with the transformer: the model combo switches the runs and settings, the
three runs train live with the core's numbers, and the contaminated run is labelled for what
it is."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from padviz.core.models import MODES, TRANSFORMER_MODES
from padviz.core.training import TrainConfig, Trainer
from padviz.gui.training.controller import RunState
from tests.gui.training_helpers import (
    WAIT_MS,
    data_items,
    tiny,
    training_panel,
)


@pytest.fixture
def panel(qtbot):
    yield from training_panel(qtbot, shown=True, filled=True)


def _visible_runs(form) -> list[str]:
    return [mode for mode, box in form.run_boxes.items() if box.isVisibleTo(form)]


def test_the_model_combo_switches_runs_settings_and_tasks(panel) -> None:
    form = panel.form
    assert _visible_runs(form) == list(MODES) and form.cell_combo.isVisibleTo(form)
    form._set_combo(form.task_combo, "majority")
    form._set_combo(form.model_combo, "transformer")
    assert _visible_runs(form) == list(TRANSFORMER_MODES) and form.runs() == list(TRANSFORMER_MODES)
    assert not form.cell_combo.isVisibleTo(form) and not form.bidirectional_box.isVisibleTo(form)
    assert form.heads_spin.isVisibleTo(form) and form.row_length_spin.isVisibleTo(form)
    assert form.task_combo.currentData() == "running-sum-mod-k"  # majority is per sequence
    items = form.task_combo.model()
    enabled = {
        form.task_combo.itemData(r): items.item(r).isEnabled()
        for r in range(form.task_combo.count())
    }
    assert not enabled["majority"] and enabled["running-sum-mod-k"] and enabled["next-token"]
    form.bidirectional_box.setChecked(True)  # hidden: not sent for the transformer
    for config in form.run_configs():
        TrainConfig.from_dict(config)  # every run the form offers is a valid config
        assert config["model"] == "transformer" and config["bidirectional"] is False
    assert form.base_config()["row_length"] is None  # "max length"
    form.row_length_spin.setValue(30)
    assert form.base_config()["row_length"] == 30
    assert panel.contamination_note.isVisibleTo(panel)
    assert not panel.hidden_view.isVisibleTo(panel)  # a transformer has no hidden-state truth
    form._set_combo(form.model_combo, "lstm")
    assert _visible_runs(form) == list(MODES) and panel.hidden_view.isVisibleTo(panel)
    assert not panel.contamination_note.isVisibleTo(panel)


def test_an_old_config_without_the_model_shows_the_recurrent_runs(panel) -> None:
    old = {k: v for k, v in TrainConfig(mode="packed").to_dict().items()}
    for key in ("model", "heads", "positions", "row_length", "algorithm"):
        del old[key]
    panel.set_training(old, ["packed"])
    assert panel.form.model() == "lstm" and panel.form.runs() == ["packed"]


def test_three_transformer_runs_train_live_with_the_cores_numbers(qtbot, panel) -> None:
    config = tiny(model="transformer", steps=6, embed=8, heads=2, algorithm="ffd")
    panel.set_training(config, list(TRANSFORMER_MODES))
    panel.smoothing_slider.setValue(0)
    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.controller.state is RunState.FINISHED, timeout=WAIT_MS)
    labels = [item.name() for item in data_items(panel.masked_plot)]
    assert labels == ["padded", "packed rows", "rows, no mask *"]
    records = {}
    for run, mode in enumerate(TRANSFORMER_MODES):
        records[mode] = list(Trainer(TrainConfig.from_dict({**config, "mode": mode})))
        line = data_items(panel.masked_plot)[run]
        assert line.yData.tolist() == [r.masked_loss for r in records[mode]]
        padding = panel.metrics.item(run, 1 + _column(panel, "padding")).text()
        assert padding == f"{records[mode][-1].pad_share:.0%}"
    assert records["packed-rows"][0].masked_loss == pytest.approx(
        records["padded"][0].masked_loss, rel=1e-5
    )
    note = panel.contamination_note.text()
    assert "not comparable" in note and "other sequences' tokens" in note
    assert panel.contamination_note.isVisibleTo(panel)
    assert not panel.hidden_view.isVisibleTo(panel)


def _column(panel, name: str) -> int:
    headers = [
        panel.metrics.horizontalHeaderItem(c).text() for c in range(1, panel.metrics.columnCount())
    ]
    return headers.index(name)
