"""The parent's handle on a bench worker (see padviz.runner.messages for the protocol)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from padviz.runner.bench_worker import serve
from padviz.runner.messages import Report, StopMeasuring
from padviz.runner.process import WorkerHandle


class BenchClient:
    """Starts one measurement in a worker process; poll() for its reports."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        config = dict(config)
        if "pad_ratios" in config:
            config["pad_ratios"] = tuple(config["pad_ratios"])
        self._worker = WorkerHandle(serve, config, name="padviz-bench")

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
