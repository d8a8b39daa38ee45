"""Edit-to-repaint latency of the explorer in a real main window (offscreen).

    python benchmarks/explorer_latency.py [--reps N] [--sizes 64x128,256x1024,1024x4096]
                                          [--paints] [--smoke]

Each edit (a whole new batch, one sequence's length, an option) is applied to the window's
state as an editor would, and timed until the window has painted the result: the document is
computed (on the GUI thread for small batches, on a thread for large ones) and every widget
that changed has repainted, by Qt's own update requests. Prints per batch size and kind of
edit the median, best and worst of the repetitions (the best is the least disturbed by other
processes on a shared machine), the median CPU time of the GUI thread, the largest gap
between the ticks of a 16 ms QTimer while the edit was applied (how long the GUI thread was
blocked), and, measured apart, the core's share: building the document. `--paints` also
prints how many times each widget painted during one edit of each kind.

Goals: a median under 30 ms for 256 x 1024; a largest gap under 50 ms for 1024 x 4096. Not a
test: timings depend on the machine and on what else runs on it (a test runs `--smoke`).
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import count

from padviz.memory_pages import HUGEPAGE_ENV, small_pages_for_numpy

small_pages_for_numpy()  # as `padviz` does for its window, before numpy is imported

import numpy as np  # noqa: E402

from padviz.core.batch import Batch, from_lengths  # noqa: E402
from padviz.core.document import build_document  # noqa: E402
from padviz.core.options import LayoutOptions  # noqa: E402

GOAL_MS = 30.0
GOAL_SIZE = (256, 1024)
GAP_GOAL_MS = 50.0
GAP_SIZE = (1024, 4096)
TICK_MS = 16


def make_batch(b: int, t: int, seed: int) -> Batch:
    """b sequences with lengths uniform in 1..t, the first exactly t long."""
    lengths = np.random.default_rng(seed).integers(1, t + 1, b)
    lengths[0] = t
    return from_lengths(lengths.tolist(), vocab_size=64, seed=seed)


def edits(state, batches: list[Batch], t: int) -> list[tuple[str, Callable[[], None]]]:
    """The edits timed: a whole new batch, one sequence's length, an option."""
    tick = count()

    def new_batch() -> None:
        state.set_batch(batches[next(tick) % 2])

    def one_length() -> None:
        state.set_batch(batches[0].with_sequence_length(1, 1 + next(tick) % (t - 1)))

    def batch_first() -> None:
        o = state.options
        state.set_options(dataclasses.replace(o, batch_first=not o.batch_first))

    return [("new batch", new_batch), ("one length", one_length), ("batch_first", batch_first)]


class GapMeter:
    """The largest gap between the ticks of a 16 ms timer: how long the GUI thread was busy."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.largest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.largest = max(self.largest, now - self.last)
        self.last = now

    def start(self) -> None:
        self.last, self.largest = time.perf_counter(), 0.0
        self.timer.start()

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.largest * 1000


class PaintCounter:
    """Counts Paint events per widget (class and object name) while on."""

    def __init__(self, app) -> None:
        from PySide6.QtCore import QEvent, QObject

        counts: collections.Counter[str] = collections.Counter()

        class Filter(QObject):
            def eventFilter(self, watched, event) -> bool:
                if event.type() == QEvent.Type.Paint:
                    name = watched.objectName() or "-"
                    counts[f"{type(watched).__name__}({name})"] += 1
                return False

        self.counts = counts
        self.filter = Filter()
        self.app = app

    def __enter__(self) -> collections.Counter[str]:
        self.counts.clear()
        self.app.installEventFilter(self.filter)
        return self.counts

    def __exit__(self, *exc: object) -> None:
        self.app.removeEventFilter(self.filter)


def settle(app, window) -> None:
    """Run the event loop until the state's document is drawn and every update painted. The
    loop waits for events as the app's own would: spinning would take the GIL from the thread
    that computes the document (a heartbeat timer keeps the wait short)."""
    from PySide6.QtCore import QEventLoop

    state, explorer = window.state, window.explorer
    while not state.current or explorer.drawing:
        app.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
    app.processEvents()  # the update requests the new document posted: Qt paints here


def measure(app, window, action: Callable[[], None], reps: int, gaps: GapMeter):
    """(total ms, GUI-thread CPU ms, largest timer gap ms) of each repetition."""
    totals, cpus, largest = [], [], []
    for _ in range(reps):
        gaps.start()
        start, cpu = time.perf_counter(), time.thread_time()
        action()
        settle(app, window)
        end = time.perf_counter()
        cpus.append((time.thread_time() - cpu) * 1000)
        totals.append((end - start) * 1000)
        largest.append(gaps.stop())
    return totals, cpus, largest


def core_ms(batch: Batch, options: LayoutOptions) -> float:
    """Milliseconds to build the document (median of 3)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        build_document(batch, options)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--sizes", default="64x128,256x1024,1024x4096")
    parser.add_argument("--paints", action="store_true", help="print paint counts per widget")
    parser.add_argument("--smoke", action="store_true", help="a tiny run that checks it works")
    args = parser.parse_args(argv)
    if args.smoke:
        args.reps, args.sizes, args.paints = 2, "8x16,64x1100", True
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    # a private settings store: the window must neither read nor remember the user's session
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from padviz.gui.app import dispose, freeze_startup_objects
    from padviz.gui.main_window import MainWindow

    window = MainWindow()
    window.ask_unsaved_changes = lambda: "discard"
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    freeze_startup_objects()  # as padviz does once its window is up
    for i in range(window.tabs.count()):  # every tab built now, not during the first edits
        window.tabs.setCurrentIndex(i)
    window.tabs.setCurrentIndex(0)
    state = window.state
    gaps, paints = GapMeter(), PaintCounter(app)
    from PySide6.QtCore import QTimer

    heartbeat = QTimer()  # wakes a waiting settle() even if an edit posts nothing
    heartbeat.start(50)

    print(
        f"# padviz explorer edit-to-repaint latency: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Qt {os.environ['QT_QPA_PLATFORM']}, 1600x1000, "
        f"{HUGEPAGE_ENV}={os.environ[HUGEPAGE_ENV]}"
    )
    print(
        f"{'batch':>10} {'edit':>12} {'median ms':>10} {'best':>6} {'worst':>6} {'cpu':>6} "
        f"{'max gap':>8} {'document':>9}  goal"
    )
    painted: dict[str, collections.Counter[str]] = {}
    for b, t in sizes:
        batches = [make_batch(b, t, seed) for seed in range(2)]
        reps = args.reps if b * t <= 256 * 1024 else max(3, args.reps // 3)
        state.set_batch(batches[0])
        settle(app, window)
        for kind, action in edits(state, batches, t):
            action()  # warm up this kind of edit
            settle(app, window)
            if args.paints and (b, t) == sizes[0]:
                with paints as counts:
                    action()
                    settle(app, window)
                painted[kind] = collections.Counter(counts)
            totals, cpus, largest = measure(app, window, action, reps, gaps)
            median = statistics.median(totals)
            goal = ""
            if (b, t) == GOAL_SIZE:
                goal = "ok" if median < GOAL_MS else "over"
            elif (b, t) == GAP_SIZE:
                goal = "ok" if max(largest) < GAP_GOAL_MS else "blocked"
            print(
                f"{f'{b}x{t}':>10} {kind:>12} {median:10.1f} {min(totals):6.1f} "
                f"{max(totals):6.1f} {statistics.median(cpus):6.1f} {max(largest):8.1f} "
                f"{core_ms(state.batch, state.options):9.1f}  {goal}",
                flush=True,
            )
    for kind, counts in painted.items():
        listed = ", ".join(f"{name} x{n}" for name, n in counts.most_common())
        print(f"# paints for one '{kind}' edit at {args.sizes.split(',')[0]}: {listed or 'none'}")
    dispose(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
