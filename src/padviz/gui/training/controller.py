"""The training session as the GUI sees it: a worker process, the curves, and what state it is in.

The worker (padviz.runner) trains; this object only sends commands, and its WorkerPoller
(~30 Hz) hands the worker's reports to the handlers here, which append them to numpy curves
(padviz.core.curves) and tell the views what changed. Training speed therefore never depends on
how fast the window redraws.

States: idle (nothing trained, settings editable), running, paused, finished (every run has
done its steps or stopped on a fault) and stopped (by the user). Settings are locked while
running or paused; the learning rate is not.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Any, cast

from PySide6.QtCore import QObject, Signal

from padviz.core.curves import Curves
from padviz.gui.worker_poller import WorkerPoller
from padviz.runner.messages import (
    ConfigRefused,
    Configured,
    Crash,
    Died,
    Fault,
    Finished,
    HiddenAnswer,
    Lost,
    Records,
)
from padviz.runner.remote import RemoteTarget
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
        self.hidden_pending = False  # a hidden-state request waits for its answer
        self._changed: set[int] = set()  # runs with new points since the last poll
        self.poller = WorkerPoller(POLL_MS, self)
        self.poller.on(Records, self._add_records)
        self.poller.on(Configured, self._configured)
        self.poller.on(Fault, self._fault)
        self.poller.on(Finished, self._finished)
        self.poller.on(ConfigRefused, self._refused)
        self.poller.on(HiddenAnswer, self._hidden_answer)
        self.poller.on(Crash, self._crashed)
        self.poller.on(Died, self._died)
        self.poller.on(Lost, self._lost)
        self.remote: RemoteTarget | None = None  # where the next worker runs (None: here)
        self.poller.polled.connect(self._polled)

    # -- the worker ------------------------------------------------------------------------
    @property
    def _client(self) -> TrainingClient | None:
        """The worker's client while the poller holds it (not after shutdown or death)."""
        return cast("TrainingClient | None", self.poller.client)

    @property
    def worker_pid(self) -> int | None:
        return self._client.pid if self._client is not None else None

    def ensure_worker(self) -> bool:
        """Start the worker process unless one runs (it imports torch in the background);
        True when a new one was started."""
        if self._client is not None and self._client.alive:
            return False
        threads = worker_threads() if self.remote is None else None  # a remote: torch's choice
        self.poller.attach(TrainingClient(threads=threads, remote=self.remote))
        return True

    def set_remote(self, target: RemoteTarget | None) -> None:
        """Train on `target`'s worker (None: in a local one) from the next session on; a
        worker idling for the other place ends now."""
        if target == self.remote:
            return
        self.remote = target
        if self.state not in (RunState.RUNNING, RunState.PAUSED):
            self.poller.shutdown()

    def remote_status(self) -> str | None:
        """The remote worker's host and latency, for the status line; None when local."""
        remote = self._client.remote if self._client is not None else None
        if remote is None:
            return None
        if remote.hello is None:
            return f"{remote.host}: connecting…"
        latency = "" if remote.latency_ms is None else f" · {remote.latency_ms:.0f} ms round trip"
        return f"remote worker on {remote.host}{latency}"

    def shutdown(self) -> None:
        """Stop and join the worker (within ~2 s in every case) and the poller's timer."""
        self.poller.shutdown()
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
        self.hidden_pending = True

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
        if started and self.remote is not None:
            self.statusMessage.emit(f"connecting to {self.remote.text} (it loads torch)…")
        elif started:
            self.statusMessage.emit("starting the training worker (loading torch)…")

    def _set_state(self, state: RunState) -> None:
        if state is not self.state:
            self.state = state
            self.stateChanged.emit(state.value)

    # -- the worker's reports (WorkerPoller calls these) -------------------------------------
    def _add_records(self, records: Records) -> None:
        for step in records.steps:
            self.curves[step.run].append(step.values)
            self.steps_per_s[step.run] = step.steps_per_s
            self.last_done_at = step.done_at
            self._changed.add(step.run)

    def _configured(self, configured: Configured) -> None:
        self.devices = list(configured.devices)
        if self.devices:
            where = f"{self._client.remote.host}: " if self._client and self._client.remote else ""
            self.statusMessage.emit(f"training on {where}{', '.join(sorted(set(self.devices)))}")

    def _fault(self, fault: Fault) -> None:
        self.faults[fault.run] = fault.message
        self.runFaulted.emit(fault.run, fault.message)

    def _finished(self, _finished: Finished) -> None:
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self._set_state(RunState.FINISHED)

    def _refused(self, refused: ConfigRefused) -> None:
        self.statusMessage.emit(f"error: {refused.message}")
        self._set_state(RunState.STOPPED)

    def _hidden_answer(self, answer: HiddenAnswer) -> None:
        if answer.request_id != self._hidden_request:
            return  # an older request's answer: a newer one is on its way
        self.hidden_pending = False
        if answer.error is None:
            self.hiddenReady.emit(answer.arrays)
        else:
            self.hiddenFailed.emit(answer.error)

    def _crashed(self, crash: Crash) -> None:
        self.statusMessage.emit(f"error: the training worker failed: {crash.last_line}")

    def _died(self, died: Died) -> None:
        self.hidden_pending = False  # no answer is coming
        self.statusMessage.emit(
            f"error: the training worker stopped unexpectedly (exit code {died.exitcode}); "
            "the curves so far are kept, Start begins again"
        )
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self._set_state(RunState.STOPPED)

    def _lost(self, lost: Lost) -> None:
        self.hidden_pending = False  # no answer is coming
        self.statusMessage.emit(
            f"error: {lost.message}\nThe curves so far are kept; Start connects again."
        )
        if self.state in (RunState.RUNNING, RunState.PAUSED):
            self._set_state(RunState.STOPPED)

    def _polled(self) -> None:
        if self._changed:
            changed, self._changed = self._changed, set()
            self.recordsAdded.emit(changed)
        self.polled.emit()
