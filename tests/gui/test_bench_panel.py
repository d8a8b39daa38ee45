"""The Bench tab: the core measurement in a worker, progress, plot, table, recommendation."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from padviz.gui.bench import BenchPanel
from tests.gui.training_helpers import WAIT_MS, assert_nothing_running

TINY = {
    "hidden": 4,
    "batch_size": 4,
    "max_len": 8,
    "features": 4,
    "warmup": 0,
    "reps": 2,
    "pad_ratios": (0.0, 0.5, 0.8),
}


@pytest.fixture
def panel(qtbot):
    threads_before = set(threading.enumerate())
    p = BenchPanel()
    qtbot.addWidget(p)
    yield p
    p.shutdown()
    assert_nothing_running(threads_before)


def test_bench_measures_and_plots_every_strategy_and_the_ideal(qtbot, panel) -> None:
    assert panel.device_combo.itemData(0) == "cpu"
    panel.start(**TINY)
    assert not panel.start_button.isEnabled() and panel.stop_button.isEnabled()
    qtbot.waitUntil(lambda: panel.result is not None, timeout=WAIT_MS)
    assert panel.progress.value() == panel.progress.maximum()
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert not panel.controller.poller.polling  # the worker ended with its answer
    assert panel.table.rowCount() == 3
    ratios = [row["pad_ratio"] for row in panel.rows]
    for name in ("padded", "packed", "bucketed", "ideal"):
        x, y = panel.lines[name].getData()
        np.testing.assert_allclose(x, sorted(ratios))
        assert np.all(y > 0)
    _, ideal = panel.lines["ideal"].getData()
    _, padded = panel.lines["padded"].getData()
    assert ideal[0] == padded[0] and ideal[-1] < ideal[0]
    assert panel.result["recommendation"] in panel.recommendation.text()
    panel.set_presentation(True)
    assert panel.settings.isHidden() and panel.table.isHidden()


def test_stop_keeps_what_was_measured(qtbot, panel) -> None:
    panel.start(**{**TINY, "reps": 100_000})
    qtbot.waitUntil(lambda: panel.fraction > 0, timeout=WAIT_MS)
    qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=WAIT_MS)
    assert panel.result["interrupted"] and "Stopped" in panel.recommendation.text()


def test_a_bad_setting_is_shown_not_raised(qtbot, panel) -> None:
    panel.start(buckets=0)
    assert "buckets" in panel.recommendation.text() and panel.start_button.isEnabled()


def test_a_dead_worker_is_reported_and_the_panel_stays_usable(qtbot, panel) -> None:
    panel.start(**{**TINY, "reps": 100_000})
    qtbot.waitUntil(lambda: panel.fraction > 0, timeout=WAIT_MS)
    (worker,) = multiprocessing.active_children()
    os.kill(worker.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: "stopped unexpectedly" in panel.recommendation.text(), timeout=WAIT_MS)
    assert f"exit code {-signal.SIGKILL}" in panel.recommendation.text()
    assert panel.start_button.isEnabled() and not panel.stop_button.isEnabled()
    assert not panel.controller.poller.polling and panel.result is None


def test_a_corpus_file_offered_by_the_corpus_tab_is_measured_on_its_lengths(qtbot, panel, tmp_path):
    path = tmp_path / "c.txt"
    rng = np.random.default_rng(0)
    path.write_text("\n".join("w " * int(n) for n in rng.integers(1, 8, 40)), encoding="utf-8")
    panel.add_corpus(str(path))
    panel.add_corpus(str(path))  # offered once
    combo = panel.lengths_combo
    assert [combo.itemData(i) for i in range(combo.count())][-1] == str(path)
    assert combo.count() == 3
    combo.setCurrentIndex(2)
    tiny = {k: v for k, v in TINY.items() if k != "pad_ratios"}
    panel.start(**tiny)
    qtbot.waitUntil(lambda: panel.result is not None, timeout=WAIT_MS)
    assert panel.result["corpus"] == str(path)
    assert panel.table.rowCount() == 1  # one pool of the corpus's own lengths
