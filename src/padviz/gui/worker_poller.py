"""The GUI side of a worker process: one timer polls its client and dispatches every report.

The training and the bench controllers both own one WorkerPoller, so a worker is read, reported
and ended the same way everywhere. A controller registers a handler per report type
(`poller.on(Records, self._add_records)`); reports without a handler (acknowledgements, mostly)
are dropped. Polling never blocks: the client's poll() only takes what has already arrived.

Died ends the poller's hold on the worker (its timer stops) before the Died handler runs; a
handler may call shutdown() (the bench after its result), which drops whatever else that poll
had brought. `sync()` sends a barrier: once `last_synced` equals its token, every report the
worker sent for the earlier commands has been dispatched (tests wait for this instead of
sleeping).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from padviz.runner.messages import Died, Report, Synced

R = TypeVar("R", bound=Report)


class WorkerClient(Protocol):
    """What the poller needs of a client (TrainingClient, BenchClient)."""

    @property
    def alive(self) -> bool: ...

    def poll(self) -> list[Report]: ...

    def sync(self) -> int: ...

    def stop(self, timeout: float = ...) -> None: ...


class WorkerPoller(QObject):
    """Polls one worker client at a fixed interval while it is attached."""

    polled = Signal()  # after every poll, once its reports are dispatched: the moment to redraw

    def __init__(self, interval_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client: WorkerClient | None = None
        self._handlers: dict[type[Report], Callable[[Any], None]] = {}
        self.last_synced: int | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def on(self, kind: type[R], handler: Callable[[R], None]) -> None:
        """Call `handler(report)` for every report of type `kind` (or a subclass of it)."""
        self._handlers[kind] = handler

    @property
    def client(self) -> WorkerClient | None:
        """The attached client, until shutdown() or its worker died."""
        return self._client

    @property
    def polling(self) -> bool:
        """Whether the timer runs (exactly while a client is attached)."""
        return self._timer.isActive()

    def attach(self, client: WorkerClient) -> None:
        """Poll `client` from now on (ending a worker attached before)."""
        self.shutdown()
        self._client = client
        self._timer.start()

    def sync(self) -> int | None:
        """Ask the worker for Synced(token); returns the token (None with no worker)."""
        return self._client.sync() if self._client is not None else None

    def poll(self) -> None:
        """Dispatch every report waiting now (the timer calls this)."""
        client = self._client
        if client is None:
            return
        for report in client.poll():
            if isinstance(report, Died):
                self._timer.stop()
                self._client = None
            elif isinstance(report, Synced):
                self.last_synced = report.token
            handler = self._handler(type(report))
            if handler is not None:
                handler(report)
            if self._client is not client:  # shut down (or died) meanwhile
                break
        self.polled.emit()

    def shutdown(self) -> None:
        """Stop the timer and end the worker (within ~2 s in every case)."""
        self._timer.stop()
        client, self._client = self._client, None
        if client is not None:
            client.stop()

    def _handler(self, kind: type) -> Callable[[Any], None] | None:
        for cls in kind.__mro__:
            if cls in self._handlers:
                return self._handlers[cls]
        return None
