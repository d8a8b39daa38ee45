"""The parent's handle on a bench worker (see padviz.runner.messages for the protocol)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from padviz.runner.bench_worker import serve
from padviz.runner.messages import Report, StopMeasuring
from padviz.runner.process import WorkerHandle
from padviz.runner.remote import RemoteHandle, RemoteTarget, begin


class BenchClient:
    """Starts one measurement in a worker process, here or (`remote`) on another machine;
    poll() for its reports."""

    def __init__(self, config: Mapping[str, Any], remote: RemoteTarget | None = None) -> None:
        self._worker: WorkerHandle | RemoteHandle = (
            WorkerHandle(serve, dict(config), name="padviz-bench")
            if remote is None
            else RemoteHandle(remote, begin("bench", dict(config)))
        )

    @property
    def remote(self) -> RemoteHandle | None:
        """The remote worker's handle (its target, Hello and latency); None for a local one."""
        return self._worker if isinstance(self._worker, RemoteHandle) else None

    @property
    def alive(self) -> bool:
        return self._worker.alive

    def request_stop(self) -> None:
        """Stop after the current round; the result (interrupted) still arrives."""
        self._worker.send(StopMeasuring())

    def sync(self) -> int:
        """A barrier: Synced(token) arrives after everything the earlier commands caused."""
        return self._worker.sync()

    def poll(self) -> list[Report]:
        return self._worker.poll()

    def stop(self, timeout: float = 1.5) -> None:
        self._worker.stop(timeout)
