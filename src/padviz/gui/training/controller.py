"""The training session as the GUI sees it: a worker process, the curves, and what state it is in.

The worker (padviz.runner) trains; this object only sends commands and, on a ~30 Hz timer,
drains the worker's messages into numpy curves (padviz.core.curves) and tells the views what
changed. Training speed therefore never depends on how fast the window redraws.

States: idle (nothing trained, settings editable), running, paused, finished (every run has
done its steps or stopped on a fault) and stopped (by the user). Settings are locked while
running or paused; the learning rate is not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from padviz.core.curves import Curves
from padviz.runner.training_client import TrainingClient

POLL_MS = 33  # ~30 Hz: read the worker's records and redraw what changed


class RunState(str, Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"
    STOPPED = "stopped"


def worker_threads() -> int:
    """torch threads for the worker: every core but one, which stays with the window."""
    return max(1, (os.cpu_count() or 2) - 1)


class TrainingController(QObject):
    """Start / pause / step / stop / reset one session of runs (one TrainConfig dict per run)."""

    stateChanged = Signal(str)
    sessionChanged = Signal()  # new runs and new (empty or restored) curves
    recordsAdded = Signal(object)  # set[int]: the runs with new points
    polled = Signal()  # after every poll of the worker (~30 Hz): the moment to redraw
    runFaulted = Signal(int, str)  # run index, message naming the step
    statusMessage = Signal(str)
    hiddenReady = Signal(object)  # dict of numpy arrays (padviz.core.hidden_truth)
    hiddenFailed = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client: TrainingClient | None = None
        self.state = RunState.IDLE
        self.configs: list[dict[str, Any]] = []
        self.runs: list[str] = []  # the mode of each run
        self.curves: list[Curves] = []
        self.faults: dict[int, str] = {}
        self.devices: list[str] = []
        self.steps_per_s: list[float] = []
        # time.perf_counter() (system-wide) when the worker finished the newest step received
        self.last_done_at: float | None = None
        self._hidden_request: int | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self.poll)

    # -- the worker ------------------------------------------------------------------------
    @property
    def worker_pid(self) -> int | None:
        return self._client.pid if self._client is not None else None

    def ensure_worker(self) -> bool:
        """Start the worker process unless one runs (it imports torch in the background);
        True when a new one was started."""
        if self._client is not None and self._client.alive:
            return False
        self._client = TrainingClient(threads=worker_threads())
        self._timer.start()
        return True

    def shutdown(self) -> None:
        """Stop and join the worker (within ~2 s in every case) and the timer."""
        self._timer.stop()
        if self._client is not None:
            self._client.stop()
            self._client = None
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self._set_state(RunState.STOPPED)

    # -- commands --------------------------------------------------------------------------
    def start(self, configs: Sequence[Mapping[str, Any]]) -> None:
        """A new session from these configs, running (ignored while one runs or is paused)."""
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            return
        self._new_session(configs)
        self._client.run()
        self._set_state(RunState.RUNNING)

    def pause(self) -> None:
        if self.state is RunState.RUNNING:
            self._client.pause()
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self.state is RunState.PAUSED:
            self._client.run()
            self._set_state(RunState.RUNNING)

    def step(self, configs: Sequence[Mapping[str, Any]]) -> None:
        """Exactly one step of every active run. Pauses a running session first; with no
        session, starts one (paused) from `configs`."""
        if self.state is RunState.RUNNING:
            self.pause()
        elif self.state is not RunState.PAUSED:
            self._new_session(configs)
            self._set_state(RunState.PAUSED)
        self._client.step()

    def stop(self) -> None:
        """End the session; its curves stay, its runs stay in the worker for the hidden view."""
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self._client.pause()
            self._set_state(RunState.STOPPED)

    def reset(self) -> None:
        """Clear the curves and rebuild the runs from their initial weights and data. A running
        session restarts and keeps running; otherwise the panel goes back to idle."""
        if self.state is RunState.RUNNING:
            self._new_session(self.configs)
            self._client.run()
            self.statusMessage.emit("reset: the runs restart from their initial weights")
            return
        for curves in self.curves:
            curves.clear()
        self.faults.clear()
        self._forget_runs()
        self.recordsAdded.emit(set(range(len(self.curves))))
        self._set_state(RunState.IDLE)

    def set_lr(self, lr: float) -> None:
        """Change every run's learning rate from its next step (only while a session lives)."""
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self._client.set_lr(lr)
            for config in self.configs:
                config["lr"] = lr

    def request_hidden(
        self, sequences: Sequence[Sequence[int]], run: int | None, config: Mapping[str, Any]
    ) -> None:
        """Ask the worker for the hidden-state truth; the newest request's answer wins."""
        self.ensure_worker()
        has_run = run is not None and self.state is not RunState.IDLE and run < len(self.runs)
        self._hidden_request = self._client.request_hidden(
            sequences, run if has_run else None, config
        )

    def restore(
        self,
        runs: Sequence[str],
        configs: Sequence[Mapping[str, Any]],
        curves: Sequence[Curves],
        faults: Mapping[int, str],
    ) -> None:
        """Show saved curves (an opened session): stopped, nothing in the worker."""
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self.stop()
        self.runs, self.configs = list(runs), [dict(c) for c in configs]
        self.curves, self.faults = list(curves), dict(faults)
        self.steps_per_s = [0.0] * len(runs)
        self.devices = []
        self._forget_runs()
        self.sessionChanged.emit()
        self._set_state(RunState.STOPPED)

    # -- internals -------------------------------------------------------------------------
    def _forget_runs(self) -> None:
        """Drop the worker's runs; records of theirs still in the pipe are then ignored."""
        if self._client is not None:
            self._client.configure([])

    def _new_session(self, configs: Sequence[Mapping[str, Any]]) -> None:
        started = self.ensure_worker()
        self.configs = [dict(c) for c in configs]
        self.runs = [c["mode"] for c in self.configs]
        self.curves = [Curves() for _ in self.configs]
        self.faults = {}
        self.devices = []
        self.steps_per_s = [0.0] * len(self.configs)
        self.last_done_at = None
        self._client.configure(self.configs)
        self.sessionChanged.emit()
        if started:
            self.statusMessage.emit("starting the training worker (loading torch)…")

    def _set_state(self, state: RunState) -> None:
        if state is not self.state:
            self.state = state
            self.stateChanged.emit(state.value)

    def poll(self) -> None:
        """Drain the worker's messages (the timer calls this ~30 times a second)."""
        if self._client is None:
            return
        changed: set[int] = set()
        for message in self._client.poll():
            kind = message[0]
            if kind == "records":
                self._add_records(message[2], changed)
            elif kind == "configured":
                self.devices = list(message[2])
                if self.devices:
                    self.statusMessage.emit(f"training on {', '.join(sorted(set(self.devices)))}")
            elif kind == "fault":
                run, message_text = message[2], message[4]
                self.faults[run] = message_text
                self.runFaulted.emit(run, message_text)
            elif kind == "finished":
                if self.state in (RunState.RUNNING, RunState.PAUSED):
                    self._set_state(RunState.FINISHED)
            elif kind == "error":
                self.statusMessage.emit(f"error: {message[2]}")
                self._set_state(RunState.STOPPED)
            elif kind == "hidden":
                if message[1] == self._hidden_request:
                    if message[3] is None:
                        self.hiddenReady.emit(message[2])
                    else:
                        self.hiddenFailed.emit(message[3])
            elif kind == "crash":
                self.statusMessage.emit(
                    f"error: the training worker failed: {message[1].strip().splitlines()[-1]}"
                )
            elif kind == "died":
                self._worker_died(message[1])
        if changed:
            self.recordsAdded.emit(changed)
        self.polled.emit()

    def _add_records(self, records: list[tuple], changed: set[int]) -> None:
        for run, values, steps_per_s, done_at in records:
            self.curves[run].append(values)
            self.steps_per_s[run] = steps_per_s
            self.last_done_at = done_at
            changed.add(run)

    def _worker_died(self, exitcode: int | None) -> None:
        self._timer.stop()
        self._client = None
        self.statusMessage.emit(
            f"error: the training worker stopped unexpectedly (exit code {exitcode}); "
            "the curves so far are kept, Start begins again"
        )
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self._set_state(RunState.STOPPED)
