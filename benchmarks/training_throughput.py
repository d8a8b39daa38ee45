"""Live training in the app against `padviz train`, measured side by side in one run.

    python benchmarks/training_throughput.py [--steps N] [--reps R] [--mode MODE]
                                             [--hidden H] [--batch-size B] [--skip-alternatives]
                                             [--smoke]

For the same TrainConfig (CPU) it times:
- `padviz train`: the CLI's own code path (cli.main) in a fresh interpreter, torch imported
  before the clock starts; wall time from the command to its last CSV row;
- the app: the real main window (offscreen, 1600 x 1000, Training tab shown, worker warmed up),
  from pressing Start to the last point received, while the GUI redraws live;
and reports the throughput ratio app / CLI (goal >= 0.95), the gaps a 16 ms QTimer in the GUI
thread sees while training at full speed (goal: max <= 50 ms), and the loss-point latency from
the end of a step in the worker to the end of the repaint that shows it (goal <= 100 ms).

Alternatives, measured the same way for the record (skip with --skip-alternatives):
- the same training in a QThread inside the GUI process (the design the worker process replaced);
- three runs in one worker, interleaved step by step, against three worker processes.
Not a test: the figures depend on the machine and on what else it is doing. `--smoke` runs the
main comparison at a tiny size (a few steps, one repetition, one `padviz train`, no alternatives)
to show that the script still works; its figures mean nothing.
"""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import QEventLoop, QSettings, QThread, QTimer
from PySide6.QtWidgets import QApplication

GAP_TIMER_MS = 16
IDLE_S = 3.0  # the window idle before training, for the timer's baseline gaps
SMOKE = {"steps": 5, "reps": 1, "hidden": 8, "batch_size": 4, "skip_alternatives": True}
GOALS = {"ratio": 0.95, "max_gap_ms": 50.0, "latency_ms": 100.0}

CLI_CODE = """
import sys, time, torch
from padviz.cli import main
start = time.perf_counter()
code = main(sys.argv[1:])
print(time.perf_counter() - start)
sys.exit(code)
"""


def config_for(args: argparse.Namespace, mode: str | None = None) -> dict[str, object]:
    from padviz.core.training import TrainConfig

    return TrainConfig(
        mode=mode or args.mode,
        steps=args.steps,
        device="cpu",
        seed=0,
        hidden=args.hidden,
        batch_size=args.batch_size,
    ).to_dict()


def time_cli(config: dict[str, object], threads: int | None = None) -> float:
    """Seconds `padviz train` takes for `config` (torch already imported)."""
    with tempfile.TemporaryDirectory() as folder:
        argv = [
            "train",
            "--task",
            str(config["task"]),
            "--mode",
            str(config["mode"]),
            "--steps",
            str(config["steps"]),
            "--device",
            "cpu",
            "--seed",
            str(config["seed"]),
            "--batch-size",
            str(config["batch_size"]),
            "--hidden",
            str(config["hidden"]),
            "--lr",
            str(config["lr"]),
            "--csv",
            os.path.join(folder, "curves.csv"),
        ]
        if threads is not None:
            argv += ["--threads", str(threads)]
        out = subprocess.run(
            [sys.executable, "-c", CLI_CODE, *argv],
            capture_output=True,
            text=True,
            check=True,
            cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        )
    return float(out.stdout.strip().splitlines()[-1])


class GapRecorder:
    """A 16 ms QTimer in the GUI thread noting when it actually fires."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer(interval=GAP_TIMER_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def gaps_ms(self, start: float, end: float) -> np.ndarray:
        ticks = np.array([t for t in self.ticks if start <= t <= end])
        return np.diff(ticks) * 1e3 if len(ticks) > 1 else np.zeros(1)


def wait_for(app: QApplication, done, timeout_s: float = 600.0) -> None:
    """Run the event loop (no sleeping in the GUI thread) until done() holds; done() may
    consume what it checks, so it is called until it first returns True and never again."""
    if done():
        return
    loop = QEventLoop()
    reached = []

    def check() -> None:
        if done():
            reached.append(True)
            loop.quit()

    timer = QTimer(interval=5)
    timer.timeout.connect(check)
    timer.start()
    deadline = QTimer(singleShot=True, interval=int(timeout_s * 1000))
    deadline.timeout.connect(loop.quit)
    deadline.start()
    loop.exec()
    timer.stop()
    deadline.stop()
    if not reached:
        raise TimeoutError("the app did not finish in time")


def measure_app(
    app: QApplication, window, config: dict[str, object], gaps: GapRecorder
) -> dict[str, float]:
    """Start -> last point, with the gaps and the step-to-screen latency of the points."""
    from padviz.gui.training.controller import RunState

    panel = window.training
    controller = panel.controller
    latencies: list[float] = []
    shown = {"done_at": None}

    def hook(plot):
        original = plot.paintEvent

        def paint(event):
            original(event)
            done_at = controller.last_done_at
            if done_at is not None and done_at != shown["done_at"]:
                shown["done_at"] = done_at
                latencies.append(time.perf_counter() - done_at)

        plot.paintEvent = paint
        return original

    originals = [(plot, hook(plot)) for plot in panel.plots]
    panel.set_training(config, [config["mode"]])
    start = time.perf_counter()
    panel.start()
    wait_for(app, lambda: controller.state is RunState.FINISHED)
    end = time.perf_counter()
    for plot, original in originals:
        plot.paintEvent = original
    steps = len(controller.curves[0])
    gap = gaps.gaps_ms(start, end)
    return {
        "seconds": end - start,
        "steps": steps,
        "max_gap_ms": float(gap.max()),
        "p99_gap_ms": float(np.percentile(gap, 99)),
        # a run shorter than a repaint (--smoke) may show no point before it ends
        "latency_median_ms": 1e3 * statistics.median(latencies) if latencies else math.nan,
        "latency_max_ms": 1e3 * max(latencies) if latencies else math.nan,
    }


def measure_qthread(
    app: QApplication, config: dict[str, object], gaps: GapRecorder
) -> dict[str, float]:
    """The alternative: the Trainer in a QThread of the GUI process, plotted by a 30 Hz timer."""
    from padviz.core.curves import CURVE_FIELDS, Curves
    from padviz.core.training import TrainConfig, Trainer
    from padviz.gui.training.plots import LossPlot

    plots = [LossPlot("masked", "masked_loss", "m"), LossPlot("unmasked", "unmasked_loss", "u")]
    curves = Curves()
    for plot in plots:
        plot.resize(700, 500)
        plot.show()
        plot.set_runs([config["mode"]], ["#0072B2"], [curves])
    pending: list[tuple] = []
    lock = threading.Lock()

    class Training(QThread):
        def run(self) -> None:
            for record in Trainer(TrainConfig.from_dict(config)):
                with lock:
                    pending.append(tuple(getattr(record, f) for f in CURVE_FIELDS))

    def drain() -> None:
        with lock:
            rows = pending[:]
            pending.clear()
        if rows:
            curves.extend(rows)
            for plot in plots:
                plot.update_runs([0])

    redraw = QTimer(interval=33)
    redraw.timeout.connect(drain)
    thread = Training()
    start = time.perf_counter()
    redraw.start()
    thread.start()
    wait_for(app, lambda: thread.isFinished())
    end = time.perf_counter()
    drain()
    redraw.stop()
    for plot in plots:
        plot.close()
    gap = gaps.gaps_ms(start, end)
    return {
        "seconds": end - start,
        "steps": len(curves),
        "max_gap_ms": float(gap.max()),
        "p99_gap_ms": float(np.percentile(gap, 99)),
    }


def _all_finished(clients: list) -> object:
    """A check for wait_for: has every client reported Finished?"""
    from padviz.runner.messages import Finished

    finished = [False] * len(clients)

    def check() -> bool:
        for i, client in enumerate(clients):
            finished[i] = finished[i] or any(isinstance(m, Finished) for m in client.poll())
        return all(finished)

    return check


def measure_layouts(
    app: QApplication, args: argparse.Namespace, gaps: GapRecorder
) -> dict[str, tuple[float, float]]:
    """Three runs: one interleaved worker against one worker per run. For each: steps/s over
    all runs, and the max gap of the GUI timer meanwhile (the window idle, nothing redrawn)."""
    from padviz.gui.training.controller import worker_threads
    from padviz.runner.messages import Configured
    from padviz.runner.training_client import TrainingClient

    modes = ("padded-unmasked", "padded-masked", "packed")
    configs = [config_for(args, mode) for mode in modes]
    results = {}
    for name, groups in (("interleaved", [configs]), ("per-run", [[c] for c in configs])):
        threads = worker_threads() if name == "interleaved" else 1
        clients = [TrainingClient(threads=threads) for _ in groups]
        for client, group in zip(clients, groups, strict=False):
            client.configure(group)
        for client in clients:  # warm: wait until each worker has built its runs
            wait_for(app, lambda c=client: any(isinstance(m, Configured) for m in c.poll()))
        start = time.perf_counter()
        for client in clients:
            client.run()
        wait_for(app, _all_finished(clients))
        end = time.perf_counter()
        results[name] = (
            len(configs) * args.steps / (end - start),
            float(gaps.gaps_ms(start, end).max()),
        )
        for client in clients:
            client.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=600)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--mode", default="padded-masked")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--skip-alternatives", action="store_true")
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny size, to check that the script runs"
    )
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE)

    with tempfile.TemporaryDirectory() as settings:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings)
        run(args)


def run(args: argparse.Namespace) -> None:
    import torch

    from padviz.gui.main_window import MainWindow
    from padviz.gui.training.controller import worker_threads

    app = QApplication.instance() or QApplication([])
    window = MainWindow()
    window.resize(1600, 1000)
    window.tabs.setCurrentWidget(window.training)
    window.show()
    hidden = window.training.hidden_view
    wait_for(app, lambda: hidden.truth is not None)  # the worker is up, torch imported
    gaps = GapRecorder()
    gaps.timer.start()
    idle_start = time.perf_counter()
    idle_s = 0.2 if args.smoke else IDLE_S
    wait_for(app, lambda: time.perf_counter() - idle_start > idle_s)
    idle = gaps.gaps_ms(idle_start, time.perf_counter())
    config = config_for(args)
    print(
        f"padviz training throughput, {datetime.date.today()}: {platform.platform()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, torch "
        f"{torch.__version__}; load average {os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"config: {config['task']}, {config['mode']}, {args.steps} steps, hidden "
        f"{config['hidden']}, batch {config['batch_size']}, max len {config['max_len']}, cpu; "
        f"app worker threads {worker_threads()}, CLI threads {torch.get_num_threads()} "
        "(torch default)"
    )
    # --smoke times `padviz train` once per repetition: each run loads torch afresh (seconds)
    cli_threads = [None] if args.smoke else [None, worker_threads()]
    cli_runs: dict[int | None, list[float]] = {threads: [] for threads in cli_threads}
    app_runs = []
    for rep in range(args.reps):
        for threads, runs in cli_runs.items():
            runs.append(time_cli(config, threads))
        app_runs.append(measure_app(app, window, config, gaps))
        a = app_runs[-1]
        print(
            f"  rep {rep + 1}: padviz train {args.steps / cli_runs[None][-1]:.1f} steps/s"
            + "".join(
                f" (--threads {t}: {args.steps / runs[-1]:.1f})"
                for t, runs in cli_runs.items()
                if t is not None
            )
            + f", app {a['steps'] / a['seconds']:.1f} steps/s, max gap {a['max_gap_ms']:.0f} ms, "
            f"latency median {a['latency_median_ms']:.0f} ms max {a['latency_max_ms']:.0f} ms"
        )
    rates = {t: args.steps / statistics.median(runs) for t, runs in cli_runs.items()}
    cli_rate = rates[None]
    app_rate = statistics.median(a["steps"] / a["seconds"] for a in app_runs)
    max_gap = max(a["max_gap_ms"] for a in app_runs)
    p99_gap = max(a["p99_gap_ms"] for a in app_runs)
    latency_med = statistics.median(a["latency_median_ms"] for a in app_runs)
    latency_max = max(a["latency_max_ms"] for a in app_runs)
    verdict = {True: "meets the goal", False: "MISSES the goal"}
    print(
        f"throughput: app {app_rate:.1f} steps/s vs padviz train {cli_rate:.1f} steps/s -> "
        f"{app_rate / cli_rate:.2f}x ({verdict[app_rate / cli_rate >= GOALS['ratio']]} of "
        f">= {GOALS['ratio']}x)"
        + "".join(
            f"; vs padviz train --threads {t}: {app_rate / rate:.2f}x"
            for t, rate in rates.items()
            if t is not None
        )
    )
    print(
        f"GUI {GAP_TIMER_MS} ms timer while training: max gap {max_gap:.1f} ms, p99 "
        f"{p99_gap:.1f} ms ({verdict[max_gap <= GOALS['max_gap_ms']]} of <= 50 ms); "
        f"the same window idle before training: max {idle.max():.1f} ms, p99 "
        f"{np.percentile(idle, 99):.1f} ms"
    )
    print(
        f"loss point latency (step done in worker -> repainted): median {latency_med:.0f} ms, "
        f"max {latency_max:.0f} ms ({verdict[latency_max <= GOALS['latency_ms']]} of "
        "<= 100 ms)"
    )
    window.training.shutdown()
    if not args.skip_alternatives:
        layouts = measure_layouts(app, args, gaps)
        (rate_one, gap_one), (rate_each, gap_each) = layouts["interleaved"], layouts["per-run"]
        print(
            f"3 runs: one interleaved worker {rate_one:.1f} steps/s in all (GUI timer max gap "
            f"{gap_one:.0f} ms), one worker per run {rate_each:.1f} steps/s in all (max gap "
            f"{gap_each:.0f} ms); no redraw in either"
        )
        q = measure_qthread(app, config, gaps)
        print(
            f"alternative, QThread in the GUI process: {q['steps'] / q['seconds']:.1f} "
            f"steps/s ({q['steps'] / q['seconds'] / cli_rate:.2f}x of padviz train), max gap "
            f"{q['max_gap_ms']:.0f} ms, p99 {q['p99_gap_ms']:.0f} ms"
        )
    gaps.timer.stop()
    window.discard_unsaved()  # a benchmark's curves: nothing to ask about
    window.close()
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
