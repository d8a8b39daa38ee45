"""The device boxes' "Remote…": connect to a worker (a local `python -m padviz worker --stdio`
given as the full command), train and bench on its devices, lose it mid-run and reconnect."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import sys
import threading

import pytest
from PySide6.QtCore import Qt

from padviz.core.training import TIMING_FIELDS, TrainConfig, Trainer
from padviz.gui import remote_devices
from padviz.gui.bench import BenchPanel
from padviz.gui.remembered import Remembered
from padviz.gui.remote_devices import REMOTE_CHOICE, REMOTE_ENTRY, RemoteDevices
from padviz.gui.training.controller import RunState
from padviz.runner.messages import PROTOCOL_VERSION, Hello, RemoteDevice
from padviz.runner.remote import remote_target
from tests.gui.test_bench_panel import TINY as TINY_BENCH
from tests.gui.training_helpers import WAIT_MS, tiny, training_panel

WORKER = f"{shlex.quote(sys.executable)} -m padviz worker --stdio"
HOST = socket.gethostname()  # a full command's host is the name its worker gives


@pytest.fixture(autouse=True)
def no_known_remotes():
    """The hosts connected to are shared by the window's device boxes: forget them per test."""
    remote_devices._known = None
    yield
    remote_devices._known = None


def no_probe_left(qtbot) -> None:
    qtbot.waitUntil(
        lambda: not any(t.name == "padviz-probe-stop" for t in threading.enumerate()),
        timeout=WAIT_MS,
    )


def connect_remote(qtbot, devices: RemoteDevices, command: str = WORKER) -> None:
    """Choose "Remote…" as a user does, type the command, press Connect, wait for the devices."""
    combo = devices.combo
    before = combo.currentIndex()
    remote_at = combo.findData(REMOTE_CHOICE)
    assert remote_at == combo.count() - 1 and combo.itemText(remote_at) == REMOTE_ENTRY
    combo.setCurrentIndex(remote_at)
    combo.activated.emit(remote_at)
    assert combo.currentIndex() == before  # the box keeps its choice while the dialog is open
    dialog = devices.dialog
    assert dialog is not None and dialog.isVisible()
    dialog.destination.setEditText("")
    dialog.command.setText(command)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: devices.target() is not None, timeout=WAIT_MS)
    assert devices.dialog is None  # closed once the worker answered
    no_probe_left(qtbot)


@pytest.fixture
def panel(qtbot):
    yield from training_panel(qtbot, filled=True)


def test_training_on_a_remote_device_is_training_as_usual(qtbot, panel) -> None:
    config = tiny(steps=6, seed=2)
    panel.set_training(config, ["packed"])
    connect_remote(qtbot, panel.form.remote_devices)
    combo = panel.form.device_combo
    assert combo.currentText().startswith(f"{HOST}: cpu (") and combo.currentData() == "cpu"
    assert Remembered(print).remotes() == [(None, WORKER)]  # the dialog offers it next time

    qtbot.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.controller.state is RunState.FINISHED, timeout=WAIT_MS)
    assert f"training on {HOST}: cpu" in panel.status_label.text()
    (curves,) = panel.controller.curves
    local = list(Trainer(TrainConfig.from_dict({**config, "mode": "packed"})))
    for name in ("masked_loss", "unmasked_loss", "accuracy", "lr"):
        assert name not in TIMING_FIELDS
        assert curves.column(name).tolist() == [getattr(r, name) for r in local], name
    qtbot.waitUntil(lambda: "ms round trip" in panel.remote_label.text(), timeout=WAIT_MS)
    assert not panel.remote_label.isHidden()
    assert panel.remote_label.text().startswith(f"remote worker on {HOST} · ")

    # the connection drops mid-run: the curves stay, the status says so, Start reconnects
    panel.form.steps_spin.setValue(1_000_000)
    worker = panel.controller.worker_pid
    panel.start()  # the same remote worker trains the new session
    assert panel.controller.worker_pid == worker
    qtbot.waitUntil(lambda: len(panel.controller.curves[0]) >= 3, timeout=WAIT_MS)
    os.kill(panel.controller.worker_pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: panel.controller.state is RunState.STOPPED, timeout=WAIT_MS)
    status = panel.status_label.text()
    assert f"the connection to {HOST} was lost" in status and "Start connects again" in status
    assert (
        status.startswith("error:") and panel.status_label.textFormat() == Qt.TextFormat.PlainText
    )
    assert len(panel.controller.curves[0]) >= 3 and panel.start_button.isEnabled()
    panel.start()
    qtbot.waitUntil(lambda: len(panel.controller.curves[0]) >= 2, timeout=WAIT_MS)
    remote = panel.controller.poller.client.remote
    assert remote is not None and remote.pid != worker  # a new remote worker
    panel.shutdown()  # as closing the window does
    assert remote.exitcode is not None and not remote.alive


def test_the_bench_tab_offers_the_hosts_connected_to_and_measures_there(qtbot, panel) -> None:
    threads_before = set(threading.enumerate())
    bench = BenchPanel()
    qtbot.addWidget(bench)
    qtbot.waitUntil(lambda: bench.device_combo.findData(REMOTE_CHOICE) >= 0, timeout=WAIT_MS)
    # as if the Training tab's dialog had connected (that is the test above)
    devices = (RemoteDevice("cpu", "the remote's CPU", 1024.0),)
    hello = Hello(PROTOCOL_VERSION, "0.1.0", "<img src='x'>2.13", HOST, devices)
    panel.form.remote_devices._connected(remote_target(None, WORKER), hello, HOST)
    assert panel.form.device_combo.currentText() == f"{HOST}: cpu (the remote's CPU)"
    # ... and the Bench tab's box has the remote's devices too, before "Remote…"
    remote_at = bench.device_combo.findText(f"{HOST}: cpu (the remote's CPU)")
    assert 0 <= remote_at == bench.device_combo.findData(REMOTE_CHOICE) - 1
    tip = bench.device_combo.itemData(remote_at, Qt.ItemDataRole.ToolTipRole)
    assert "torch &lt;img src=&#x27;x&#x27;&gt;2.13, 1 GiB" in tip  # shown, not rendered
    bench.device_combo.setCurrentIndex(remote_at)
    bench.start(**TINY_BENCH)
    assert f"on {HOST}" in bench.recommendation.text()
    qtbot.waitUntil(lambda: bench.result is not None, timeout=WAIT_MS)
    assert bench.table.rowCount() == len(TINY_BENCH["pad_ratios"])
    assert bench.setup_label.text().startswith(bench.result["device_name"])
    bench.shutdown()
    assert not bench.controller.poller.polling
    threads_after = {t for t in threading.enumerate() if t not in threads_before and t.is_alive()}
    assert not threads_after


def test_a_remembered_list_that_cannot_be_read_is_skipped_and_said(isolated_settings) -> None:
    said: list[str] = []
    remembered = Remembered(said.append)
    remembered.add_remote("me@gpu1", "padviz worker --stdio")
    remembered.add_remote(None, "srun padviz worker --stdio")
    remembered.add_remote("me@gpu1", "~/venv/bin/padviz worker --stdio")  # replaces the first
    assert remembered.remotes() == [
        ("me@gpu1", "~/venv/bin/padviz worker --stdio"),
        (None, "srun padviz worker --stdio"),
    ]
    remembered._save({"remote/targets": '[{"destination": 3, "command": "x"}]'})
    assert remembered.remotes() == [] and "does not hold strings" in said[0]


def test_a_remote_that_cannot_start_says_why_in_the_dialog(qtbot, panel) -> None:
    devices = panel.form.remote_devices
    combo = devices.combo
    remote_at = combo.findData(REMOTE_CHOICE)
    combo.activated.emit(remote_at)
    dialog = devices.dialog
    dialog.command.setText("sh -c 'echo \"<b>bash: padviz: command not found</b>\" >&2; exit 127'")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "exited with code 127" in dialog.status.text(), timeout=WAIT_MS)
    assert "<b>bash: padviz: command not found</b>" in dialog.status.text()  # as text, not HTML
    assert dialog.status.textFormat() == Qt.TextFormat.PlainText
    assert devices.target() is None and dialog.connect_button.isEnabled()
    dialog.command.setText("srun 'unclosed")
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    assert 'command "srun \'unclosed" cannot be split into words' in dialog.status.text()
    dialog.reject()
    qtbot.waitUntil(lambda: devices.dialog is None, timeout=WAIT_MS)
    no_probe_left(qtbot)
