"""A worker process and the parent's handle on it: spawn, talk over one pipe, stop for sure.

The worker runs `target(conn, *args)` in a fresh interpreter ('spawn' context: safe with torch
and CUDA, and the same on every platform). The parent sends Commands, the worker sends Reports
(padviz.runner.messages, which documents the protocol).

The parent never blocks on the worker: `poll()` drains what has arrived without waiting and
reports a worker that ended without being asked (a crash, an out-of-memory kill) once, as
`Died(exitcode)`. `stop()` asks the worker to quit between two steps, keeps draining the
pipe so a worker blocked on a full pipe can get there, and only if that does not happen within
the timeout terminates, then kills it. Workers are daemonic, so even an interpreter that exits
without calling stop() takes them down.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing as mp
import os
import time
import traceback
from collections.abc import Callable
from typing import Any, Protocol

from padviz.runner.messages import Command, Crash, Died, Quit, Report, Sync

MAX_MESSAGES_PER_POLL = 5000  # keeps one poll() short even if a worker floods the pipe


class Channel(Protocol):
    """A worker's end of its link to the parent: a multiprocessing Connection, or the stdio
    transport's lines (padviz.runner.stdio_worker)."""

    def send(self, obj: Any) -> None: ...

    def recv(self) -> Any: ...

    def poll(self) -> bool: ...

    def close(self) -> None: ...


def run_worker(conn: Channel, body: Callable[[], None]) -> None:
    """Run a worker's `body` in the child: report any failure as Crash(traceback), and once
    the body returns (asked to quit, everything sent) exit at once, skipping the interpreter's
    teardown (about a second with torch loaded) so closing the window is quick."""
    try:
        body()
        conn.close()
        os._exit(0)
    except (EOFError, BrokenPipeError, ConnectionResetError, KeyboardInterrupt):
        return  # the parent is gone or the user pressed Ctrl+C: nothing to report to
    except BaseException:
        with contextlib.suppress(OSError):
            conn.send(Crash(traceback.format_exc()))
        raise SystemExit(1) from None


class WorkerHandle:
    """The parent's side of one worker process."""

    def __init__(self, target: Callable[..., None], *args: Any, name: str = "padviz-worker"):
        context = mp.get_context("spawn")
        self._conn, child_conn = context.Pipe(duplex=True)
        self._process = context.Process(
            target=target, args=(child_conn, *args), name=name, daemon=True
        )
        self._process.start()
        child_conn.close()  # the worker holds its end; ours closing tells it the parent is gone
        self._stopping = False
        self._ended = False
        self._sync_tokens = itertools.count(1)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    @property
    def alive(self) -> bool:
        return not self._ended and self._process.is_alive()

    @property
    def exitcode(self) -> int | None:
        return self._process.exitcode

    def send(self, command: Command) -> bool:
        """Send a command; False when the worker is gone (the next poll() says so)."""
        if self._ended or self._stopping:
            return False
        try:
            self._conn.send(command)
        except (OSError, ValueError):  # broken pipe, or a closed connection
            return False
        return True

    def sync(self) -> int:
        """Send Sync(token) and return the token; Synced(token) comes back once the worker has
        handled every earlier command and sent all they caused."""
        token = next(self._sync_tokens)
        self.send(Sync(token))
        return token

    def poll(self) -> list[Report]:
        """Every report waiting now (never blocks), then Died(exitcode) once if it ended."""
        messages: list[Report] = []
        if self._ended:
            return messages
        try:
            while len(messages) < MAX_MESSAGES_PER_POLL and self._conn.poll():
                messages.append(self._conn.recv())
        except (EOFError, OSError):
            pass  # the worker's end closed: is_alive() below tells whether it is gone
        if len(messages) < MAX_MESSAGES_PER_POLL and not self._process.is_alive():
            self._ended = True
            self._process.join()
            self._conn.close()
            if not self._stopping:
                messages.append(Died(self._process.exitcode))
        return messages

    def stop(self, timeout: float = 1.5) -> None:
        """Ask the worker to quit and wait for it; escalate only if it does not (idempotent)."""
        if self._ended:
            return
        if not self._stopping:
            with contextlib.suppress(OSError, ValueError):
                self._conn.send(Quit())
            self._stopping = True
        deadline = time.monotonic() + timeout
        while self._process.is_alive() and time.monotonic() < deadline:
            self._discard_waiting()
            self._process.join(0.02)
        for escalate in (self._process.terminate, self._process.kill):
            if not self._process.is_alive():
                break
            escalate()
            self._process.join(0.5)
        self._process.join(0.5)
        self._ended = True
        self._conn.close()

    def _discard_waiting(self) -> None:
        try:
            while self._conn.poll():
                self._conn.recv()
        except (EOFError, OSError):
            pass
