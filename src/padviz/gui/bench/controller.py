"""One bench measurement at a time in a worker process, as the Bench tab sees it.

The controller owns the worker (padviz.runner.bench_client) and its WorkerPoller, keeps what the
worker reported (`rows`, `result`, `fraction`) and tells the panel through signals; the panel
only displays. The worker ends as soon as its answer is in, so nothing idles in the background.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from padviz.gui.worker_poller import WorkerPoller
from padviz.runner.bench_client import BenchClient
from padviz.runner.messages import BenchDone, BenchRefused, Crash, Died, Lost, Progress
from padviz.runner.remote import RemoteTarget

POLL_MS = 100


class BenchController(QObject):
    """start(config), request_stop(), shutdown(); `running`, `rows`, `result`, `fraction`."""

    runningChanged = Signal(bool)
    progressed = Signal(float)  # the share of the measurement done, 0..1
    rowsChanged = Signal()  # a pad ratio was measured, or the rows were cleared
    finished = Signal(object)  # the result: BenchResult.to_dict(), interrupted or not
    failed = Signal(str)  # one line: a refused setting, a crash, a dead worker

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.result: dict[str, Any] | None = None
        self.fraction = 0.0  # of the measurement done, as the worker last reported
        self._running = False
        self.poller = WorkerPoller(POLL_MS, self)
        self.poller.on(Progress, self._progress)
        self.poller.on(BenchDone, self._done)
        self.poller.on(BenchRefused, lambda refused: self._fail(refused.message))
        self.poller.on(Crash, lambda crash: self._fail(crash.last_line))
        self.poller.on(
            Died,
            lambda died: self._fail(
                f"the bench worker stopped unexpectedly (exit code {died.exitcode})"
            ),
        )
        self.poller.on(Lost, lambda lost: self._fail(lost.message))

    @property
    def running(self) -> bool:
        return self._running

    def start(self, config: dict[str, Any], remote: RemoteTarget | None = None) -> None:
        """Measure `config` (a BenchConfig dict) in a new worker, here or on `remote`; ignored
        while one runs."""
        if self.running:
            return
        self.rows, self.result, self.fraction = [], None, 0.0
        self.rowsChanged.emit()
        self.progressed.emit(0.0)
        self.poller.attach(BenchClient(config, remote=remote))
        self._running = True
        self.runningChanged.emit(True)

    def request_stop(self) -> None:
        """Stop after the current round; the result (interrupted) still arrives."""
        client = self.poller.client
        if isinstance(client, BenchClient):
            client.request_stop()

    def shutdown(self) -> None:
        """End the worker and the poller's timer at once (also when the window is closing)."""
        self.poller.shutdown()
        if self._running:
            self._running = False
            self.runningChanged.emit(False)

    def _progress(self, progress: Progress) -> None:
        self.fraction = progress.fraction
        self.progressed.emit(progress.fraction)
        if progress.row is not None:
            self.rows.append(progress.row)
            self.rowsChanged.emit()

    def _done(self, done: BenchDone) -> None:
        self.shutdown()
        self.result = done.result
        self.rows = list(done.result["rows"])
        self.rowsChanged.emit()
        self.finished.emit(done.result)

    def _fail(self, message: str) -> None:
        self.shutdown()
        self.failed.emit(message)
