"""The parent's handle on a training worker: typed commands, and reports of the current session.

Every `configure` starts a new generation; reports of older generations still in the pipe
(records sent just before a Reset) are dropped here, so a caller only ever sees the session it
asked for. See padviz.runner.messages for the protocol.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from padviz.runner.messages import (
    Configure,
    Pause,
    Report,
    RequestHidden,
    Run,
    SessionReport,
    SetLr,
    Step,
)
from padviz.runner.process import WorkerHandle
from padviz.runner.remote import RemoteHandle, RemoteTarget, begin
from padviz.runner.training_worker import serve


class TrainingClient:
    """Starts a training worker process at once, here or (`remote`) on another machine; it
    imports torch in the background."""

    def __init__(self, threads: int | None = None, remote: RemoteTarget | None = None) -> None:
        self._worker: WorkerHandle | RemoteHandle = (
            WorkerHandle(serve, threads, name="padviz-training")
            if remote is None
            else RemoteHandle(remote, begin("training"))
        )
        self.generation = 0
        self._request_ids = itertools.count(1)

    @property
    def remote(self) -> RemoteHandle | None:
        """The remote worker's handle (its target, Hello and latency); None for a local one."""
        return self._worker if isinstance(self._worker, RemoteHandle) else None

    @property
    def alive(self) -> bool:
        return self._worker.alive

    @property
    def pid(self) -> int | None:
        return self._worker.pid

    @property
    def exitcode(self) -> int | None:
        return self._worker.exitcode

    def configure(self, configs: Sequence[Mapping[str, Any]]) -> int:
        """Fresh runs (paused) from TrainConfig dicts; returns the new generation."""
        self.generation += 1
        self._worker.send(Configure(self.generation, tuple(dict(c) for c in configs)))
        return self.generation

    def run(self) -> None:
        self._worker.send(Run())

    def pause(self) -> None:
        self._worker.send(Pause())

    def step(self) -> None:
        self._worker.send(Step())

    def set_lr(self, lr: float) -> None:
        self._worker.send(SetLr(float(lr)))

    def request_hidden(
        self, sequences: Sequence[Sequence[int]], run: int | None, config: Mapping[str, Any]
    ) -> int:
        """Ask for the hidden-state truth; the answer comes as HiddenAnswer(request_id, ...)."""
        request_id = next(self._request_ids)
        payload = tuple(tuple(map(int, s)) for s in sequences)
        self._worker.send(RequestHidden(request_id, payload, run, dict(config)))
        return request_id

    def sync(self) -> int:
        """A barrier: Synced(token) arrives after everything the earlier commands caused."""
        return self._worker.sync()

    def poll(self) -> list[Report]:
        """Reports of the current generation (and the others: hidden answers, acknowledgements,
        crashes, death), in order."""
        return [
            m
            for m in self._worker.poll()
            if not isinstance(m, SessionReport) or m.generation == self.generation
        ]

    def stop(self, timeout: float = 1.5) -> None:
        self._worker.stop(timeout)
