"""Edit-to-repaint latency of the explorer: from setting a new batch (or option) on the app state
to the end of a forced repaint of every view (a synchronous repaint of each heatmap, which also
paints whatever else in the window the edit made dirty), in the real main window rendered
offscreen at 1600 x 1000.

    python benchmarks/explorer_latency.py [--reps N] [--sizes 64x128,256x1024,1024x4096]

Prints one table row per size and edit kind (median and worst over the repetitions, plus where
the median time goes). The goal is under 30 ms for 256 x 1024. Not a test: timings depend on
the machine.
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from padviz.core.batch import Batch, from_lengths  # noqa: E402
from padviz.core.layout import compare_waste, compute_layout  # noqa: E402
from padviz.core.views import JaggedGrid, PackedGrid, PaddedGrid  # noqa: E402

GOAL_MS = 30.0


def make_batch(b: int, t: int, seed: int) -> Batch:
    """b sequences with lengths uniform in 1..t, the first exactly t long."""
    lengths = np.random.default_rng(seed).integers(1, t + 1, b)
    lengths[0] = t
    return from_lengths(lengths.tolist(), vocab_size=64, seed=seed)


def measure(
    action: Callable[[], None], finish: Callable[[], None], reps: int
) -> tuple[list[float], list[float]]:
    """(total ms, of which painting ms) of each repetition."""
    totals, paints = [], []
    for _ in range(reps):
        start = time.perf_counter()
        action()
        mid = time.perf_counter()
        finish()
        end = time.perf_counter()
        totals.append((end - start) * 1000)
        paints.append((end - mid) * 1000)
    return totals, paints


def breakdown(batch: Batch, options) -> dict[str, float]:
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

    print(f"# padviz explorer edit-to-repaint latency, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, Qt offscreen, 1600x1000")
    print(f"{'batch':>10} {'edit':>12} {'median ms':>10} {'worst ms':>9} {'paint':>6} "
          f"{'layout':>7} {'waste':>6} {'grids':>6}  goal")
    for b, t in sizes:
        batches = [make_batch(b, t, seed) for seed in range(2)]
        reps = args.reps if b * t <= 256 * 1024 else max(3, args.reps // 3)
        state.set_batch(batches[0])
        finish()
        flip = iter(range(10**9))

        def new_batch() -> None:
            state.set_batch(batches[next(flip) % 2])

        def drag_length() -> None:
            base = batches[0]
            state.set_batch(base.with_sequence_length(1, 1 + next(flip) % (t - 1)))

        def toggle_batch_first() -> None:
            o = state.options
            state.set_options(dataclasses.replace(o, batch_first=not o.batch_first))

        for kind, action in (
            ("new batch", new_batch),
            ("one length", drag_length),
            ("batch_first", toggle_batch_first),
        ):
            times, paints = measure(action, finish, reps)
            med = statistics.median(times)
            parts = breakdown(state.batch, state.options)
            goal = "ok" if med < GOAL_MS else "over"
            print(f"{f'{b}x{t}':>10} {kind:>12} {med:10.1f} {max(times):9.1f} "
                  f"{statistics.median(paints):6.1f} {parts['layout']:7.1f} {parts['waste']:6.1f} "
                  f"{parts['grids']:6.1f}  {goal if (b, t) == (256, 1024) else ''}")
    dispose(window)
    return 0


if __name__ == "__main__":
    sys.exit(main())
