"""The bench worker process: runs padviz.core.bench.measure off the GUI process.

It is started with a BenchConfig dict and measures at once, reading commands between rounds
(padviz.runner.messages has the protocol). A StopMeasuring or Quit ends the measurement; the
answer (BenchDone, interrupted, or BenchRefused) goes out first, then that command is handled,
so its acknowledgement and any later Synced come after the result. After its answer the worker
waits for Quit, so every worker ends the same way.
"""

from __future__ import annotations

from typing import Any

from padviz.runner.messages import (
    Acked,
    BenchDone,
    BenchRefused,
    Command,
    Progress,
    Quit,
    StopMeasuring,
    Sync,
    Synced,
)
from padviz.runner.process import Channel, run_worker


def serve(conn: Channel, config: dict[str, Any]) -> None:
    """The worker's entry point (runs in the child process)."""

    def body() -> None:
        stopped_by = _measure(conn, config)
        command = stopped_by if stopped_by is not None else conn.recv()
        while _handle(conn, command):
            command = conn.recv()

    run_worker(conn, body)


def _handle(conn: Channel, command: Command) -> bool:
    """Answer one command outside a measurement; False means quit."""
    match command:
        case Quit():
            return False
        case Sync(token):
            conn.send(Synced(token))
        case StopMeasuring():  # nothing (left) to stop
            conn.send(Acked.of(command))
        case _:
            raise ValueError(f"unknown command {command!r}")
    return True


def _measure(conn: Channel, config: dict[str, Any]) -> Command | None:
    """Measure and send the answer; returns the StopMeasuring or Quit that ended it early."""
    from padviz.core.bench import BenchConfig, measure
    from padviz.core.errors import PadvizError

    stopped_by: list[Command] = []

    def should_stop() -> bool:
        while not stopped_by and conn.poll():
            command = conn.recv()
            if isinstance(command, (StopMeasuring, Quit)):
                stopped_by.append(command)
            else:
                _handle(conn, command)
        return bool(stopped_by)

    def progress(row: Any, fraction: float) -> None:
        conn.send(Progress(fraction, None if row is None else row.to_dict()))

    try:
        if "pad_ratios" in config:  # a list after JSON (the stdio transport) or from a caller
            config = {**config, "pad_ratios": tuple(config["pad_ratios"])}
        bench_config = BenchConfig(**config)
        bench_config.validate()
        result = measure(bench_config, progress, should_stop)
    except PadvizError as exc:  # a refused setting or an absent device
        conn.send(BenchRefused(str(exc)))
    else:
        conn.send(BenchDone(result.to_dict()))
    return stopped_by[0] if stopped_by else None
