"""Jobs that would block the GUI thread (reading a large file, statistics over a million
lengths), run on a daemon thread; their results come back to the GUI thread as signals, each
tagged with its ticket so that a result an edit has outdated since can be dropped."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from padviz.core.errors import PadvizError


class BackgroundJobs(QObject):
    """Runs each job on a daemon thread of its own and says what it made, or why bad input
    stopped it, tagged with its ticket (`ticket` is the latest). A bug in a job is raised
    again on the GUI thread, where the crash reporter shows it."""

    progressed = Signal(int, int)
    done = Signal(int, object)
    failed = Signal(int, str)
    _bug = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ticket = 0
        self._bug.connect(self._raise)

    @staticmethod
    def _raise(exc: BaseException) -> None:
        raise exc

    def run(self, job: Callable[[Callable[[int, int], None]], Any]) -> int:
        self.ticket += 1
        ticket = self.ticket

        def body() -> None:
            try:
                result = job(self.progressed.emit)
            except PadvizError as exc:  # bad input: said in the window
                self.failed.emit(ticket, str(exc))
                return
            except Exception as exc:  # a bug: not to be lost on a terminal
                self._bug.emit(exc)
                return
            self.done.emit(ticket, result)

        threading.Thread(target=body, name="padviz-corpus", daemon=True).start()
        return ticket
