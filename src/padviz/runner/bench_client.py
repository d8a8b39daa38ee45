"""The parent's handle on a bench worker (see padviz.runner.bench_worker for the messages)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from padviz.runner.bench_worker import serve
from padviz.runner.process import Message, WorkerHandle


class BenchClient:
    """Starts one measurement in a worker process; poll() for its messages."""

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
        self._worker.send("stop")

    def poll(self) -> list[Message]:
        return self._worker.poll()

    def stop(self, timeout: float = 1.5) -> None:
        self._worker.stop(timeout)
