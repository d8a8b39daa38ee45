"""Steps per second of wall time over a sliding window (what a user sees, pauses excluded)."""

from __future__ import annotations

from collections import deque


class RateMeter:
    """Events per second over the last `window` seconds of event times."""

    def __init__(self, window: float = 1.0) -> None:
        self.window = window
        self._times: deque[float] = deque()

    def tick(self, now: float) -> float:
        """Record an event at `now` (seconds); return the rate (0.0 until two events)."""
        times = self._times
        times.append(now)
        while len(times) > 2 and now - times[0] > self.window:
            times.popleft()
        span = now - times[0]
        return (len(times) - 1) / span if span > 0 else 0.0

    def reset(self) -> None:
        """Forget the history (after a pause, so the pause does not count as slow training)."""
        self._times.clear()
