"""Shared helpers for the Training and Bench tab tests: tiny CPU settings, leak checks."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator

import pyqtgraph as pg

from padviz.core.batch import from_lengths
from padviz.gui.state import AppState
from padviz.gui.training import TrainingPanel

TINY = {
    "task": "running-sum-mod-k",
    "embed": 4,
    "hidden": 8,
    "layers": 1,
    "bidirectional": False,
    "optimizer": "adam",
    "lr": 0.01,
    "batch_size": 4,
    "min_len": 1,
    "max_len": 6,
    "length_distribution": "uniform",
    "seed": 3,
    "device": "cpu",
    "steps": 10,
    "num_threads": 1,
    "nan_at_step": None,
}
WAIT_MS = 60_000  # a worker has to import torch first; the machine may be busy


def tiny(**overrides: object) -> dict[str, object]:
    return {**TINY, **overrides}


def data_items(plot: pg.PlotWidget) -> list[pg.PlotDataItem]:
    return [i for i in plot.getPlotItem().listDataItems() if isinstance(i, pg.PlotDataItem)]


def point_counts(plot: pg.PlotWidget) -> list[int]:
    return [0 if i.xData is None else len(i.xData) for i in data_items(plot)]


def settle(qtbot, controller) -> None:
    """Wait until the worker has handled every command sent so far and everything it sent for
    them has reached the controller (a Sync barrier, instead of sleeping and hoping)."""
    poller = controller.poller
    token = poller.sync()
    assert token is not None, "no worker to wait for"
    qtbot.waitUntil(lambda: poller.last_synced == token, timeout=WAIT_MS)


def assert_nothing_running(threads_before: set[threading.Thread]) -> None:
    assert multiprocessing.active_children() == []
    extra = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()]
    assert extra == [], f"threads left running: {extra}"


def training_panel(qtbot, *, shown: bool = False, filled: bool = False) -> Iterator[TrainingPanel]:
    """A Training tab for a fixture to yield (`shown`, its settings `filled` in once torch is
    there); afterwards it is shut down and nothing it started may still run."""
    threads_before = set(threading.enumerate())
    panel = TrainingPanel(AppState(from_lengths([5, 3, 7])))
    qtbot.addWidget(panel)
    panel.resize(1400, 900)
    if shown:
        panel.show()
    if filled:
        qtbot.waitUntil(lambda: panel.form.filled, timeout=WAIT_MS)
    yield panel
    panel.shutdown()
    assert_nothing_running(threads_before)
