"""A progress line on stderr: redrawn in place on a terminal, a plain line now and then in a log.

On a terminal, each redraw returns to the line's start (carriage return) and overwrites it. When
stderr is a file or a pipe (CI logs, `2> log`), carriage-return frames would pile up (143 KB for
11k training steps), so there a full line is written at most every LOG_EVERY_S seconds, and the
final state always.
"""

from __future__ import annotations

import time
from typing import TextIO

LOG_EVERY_S = 10.0


class StatusLine:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.terminal = bool(isatty and isatty())
        self.written_at = float("-inf")
        self.width = 0  # characters drawn on the terminal line
        self.pending = ""  # the latest text not yet written to a log

    def show(self, text: str) -> None:
        """Show the latest state (called as often as it changes)."""
        if self.terminal:
            self.stream.write("\r" + text.ljust(self.width))
            self.width = len(text)
            self.stream.flush()
            return
        self.pending = text
        now = time.monotonic()
        if now - self.written_at >= LOG_EVERY_S:
            self.written_at = now
            self._log()

    def end(self) -> None:
        """End the line: the last state stays visible (once; later calls do nothing)."""
        if self.terminal and self.width:
            self.stream.write("\n")
            self.width = 0
        elif self.pending:
            self._log()
        self.stream.flush()

    def _log(self) -> None:
        self.stream.write(self.pending + "\n")
        self.pending = ""
        self.stream.flush()
