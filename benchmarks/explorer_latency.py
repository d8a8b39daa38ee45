"""Edit-to-repaint latency of the explorer: from setting a new batch (or option) on the app state
to the end of a forced repaint of every view (a synchronous repaint of each heatmap, which also
paints whatever else in the window the edit made dirty: table, lengths chart, waste meter), in
the real main window rendered offscreen at 1600 x 1000.

    python benchmarks/explorer_latency.py [--reps N] [--sizes 64x128,256x1024,1024x4096]

Prints one row per batch size and kind of edit: the median, best and worst wall-clock total over
the repetitions (the best is the least disturbed by other processes on a shared machine), the
median CPU time of the GUI thread for the same span, the median wall time spent painting, and
(measured apart) the core's share: the layout (torch), the waste comparison and the heatmap grids.
The goal is a median under 30 ms for 256 x 1024. Not a test: timings depend on the
machine and on what else runs on it.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from itertools import count

import numpy as np

from padviz.core.batch import Batch, from_lengths
from padviz.core.layout import compare_waste, compute_layout
from padviz.core.options import LayoutOptions
from padviz.core.views import JaggedGrid, PackedGrid, PaddedGrid

GOAL_MS = 30.0
GOAL_SIZE = (256, 1024)


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


def measure(
    action: Callable[[], None], finish: Callable[[], None], reps: int
) -> tuple[list[float], list[float], list[float]]:
    """(total ms, GUI-thread CPU ms, painting ms) of each repetition."""
    totals, cpus, paints = [], [], []
    for _ in range(reps):
        start, cpu = time.perf_counter(), time.thread_time()
        action()
        mid = time.perf_counter()
        finish()
        end = time.perf_counter()
        cpus.append((time.thread_time() - cpu) * 1000)
        totals.append((end - start) * 1000)
        paints.append((end - mid) * 1000)
    return totals, cpus, paints


def core_share(batch: Batch, options: LayoutOptions) -> dict[str, float]:
    """Milliseconds of the core steps behind one refresh (median of 3)."""
    parts: dict[str, list[float]] = {"layout": [], "waste": [], "grids": []}
    for _ in range(3):
        t0 = time.perf_counter()
        lay = compute_layout(batch, options)
        t1 = time.perf_counter()
        compare_waste(batch, options)
        t2 = time.perf_counter()
        PaddedGrid(lay), PaddedGrid(lay, kind="mask"), PackedGrid(lay), JaggedGrid(lay)
        t3 = time.perf_counter()
        parts["layout"].append((t1 - t0) * 1000)
        parts["waste"].append((t2 - t1) * 1000)
        parts["grids"].append((t3 - t2) * 1000)
    return {k: statistics.median(v) for k, v in parts.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--sizes", default="64x128,256x1024,1024x4096")
    args = parser.parse_args(argv)
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    # a private settings store: the window must neither read nor remember the user's session
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, tempfile.mkdtemp())
    from padviz.gui.app import dispose
    from padviz.gui.main_window import MainWindow

    window = MainWindow()
    window.ask_unsaved_changes = lambda: "discard"
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    explorer, state = window.explorer, window.state

    def finish() -> None:
        for view in explorer.views.values():
            view.viewport().repaint()

    print(
        f"# padviz explorer edit-to-repaint latency: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, Qt {os.environ['QT_QPA_PLATFORM']}, 1600x1000"
    )
    print(
        f"{'batch':>10} {'edit':>12} {'median ms':>10} {'best':>6} {'worst':>6} {'cpu':>6} "
        f"{'paint':>6} {'layout':>7} {'waste':>6} {'grids':>6}  goal"
    )
    for b, t in sizes:
        batches = [make_batch(b, t, seed) for seed in range(2)]
        reps = args.reps if b * t <= 256 * 1024 else max(3, args.reps // 3)
        state.set_batch(batches[0])
        finish()
        for kind, action in edits(state, batches, t):
            action()  # warm up this kind of edit
            finish()
            totals, cpus, paints = measure(action, finish, reps)
            median = statistics.median(totals)
            core = core_share(state.batch, state.options)
            goal = ("ok" if median < GOAL_MS else "over") if (b, t) == GOAL_SIZE else ""
            print(
                f"{f'{b}x{t}':>10} {kind:>12} {median:10.1f} {min(totals):6.1f} {max(totals):6.1f} "
                f"{statistics.median(cpus):6.1f} {statistics.median(paints):6.1f} "
                f"{core['layout']:7.1f} {core['waste']:6.1f} {core['grids']:6.1f}  {goal}"
            )
    dispose(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
