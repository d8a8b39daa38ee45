"""The bench worker process: runs padviz.core.bench.measure off the GUI process.

Commands: ("stop",) ends the measurement after the current round (the rows so far are kept),
("quit",) ends the process. Messages: ("progress", fraction, row dict or None) as measure
reports it, then ("result", BenchResult.to_dict()) or ("error", message), or ("crash",
traceback). After its answer the worker waits for ("quit",), so every worker ends the same way.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any

from padviz.runner.process import run_worker


def serve(conn: Connection, config: dict[str, Any]) -> None:
    """The worker's entry point (runs in the child process)."""

    def body() -> None:
        quit_now = _measure(conn, config)
        while not quit_now:
            quit_now = conn.recv()[0] == "quit"

    run_worker(conn, body)


def _measure(conn: Connection, config: dict[str, Any]) -> bool:
    """Measure and send the answer; True if a quit arrived meanwhile."""
    from padviz.core.bench import BenchConfig, BenchError, measure

    stop = quit_now = False

    def should_stop() -> bool:
        nonlocal stop, quit_now
        while conn.poll():
            kind = conn.recv()[0]
            stop = stop or kind in ("stop", "quit")
            quit_now = quit_now or kind == "quit"
        return stop

    def progress(row: Any, fraction: float) -> None:
        conn.send(("progress", fraction, None if row is None else row.to_dict()))

    try:
        bench_config = BenchConfig(**config)
        bench_config.validate()
        result = measure(bench_config, progress, should_stop)
    except (BenchError, TypeError, ValueError) as exc:
        conn.send(("error", str(exc)))
    else:
        conn.send(("result", result.to_dict()))
    return quit_now
