"""Closing the window mid-training: seconds from the close to the process's exit.

    python benchmarks/close_mid_training.py [--runs N] [--smoke]

Each run starts a fresh `python` with the main window (offscreen, throw-away settings), starts
training with the Training tab's Start button, and once every run has ~20 steps closes the
window as a user would. The child prints its time.monotonic() at the close and once the event
loop has returned; the parent notes when the process has exited, and checks the worker is gone
too. Goal: under 2 s from the close to the exit, no process left. Prints the median and the
worst of N runs (5). Not a test: timings depend on the machine and on what else runs on it;
`--smoke` (one run) checks that the benchmark works, and tests/test_benchmarks.py runs it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = r"""
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from padviz.gui.app import dispose
from padviz.gui.main_window import MainWindow
from padviz.gui.torch_loader import torch_loader

app = QApplication(sys.argv[:1])
window = MainWindow()
window.show()
torch_loader().wait()


def tick():
    controller = window.training.controller
    if controller.state.name != "RUNNING":
        window.training.start_button.click()
    elif controller.curves and all(len(c) >= 20 for c in controller.curves):
        print("worker", controller.worker_pid, flush=True)
        window.ask_unsaved_curves = lambda: "discard"  # as the user answers the prompt
        print("close", time.monotonic(), flush=True)
        window.close()
        return
    QTimer.singleShot(20, tick)


QTimer.singleShot(0, tick)
QTimer.singleShot(120_000, app.quit)  # never hang
app.exec()
print("returned", time.monotonic(), flush=True)
dispose(window)
"""


def run_once(settings: str) -> tuple[float, float, bool]:
    """(close -> event loop returned, close -> process exited, worker gone) in seconds."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=settings)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True, env=env
    )
    marks: dict[str, float] = {}
    assert child.stdout is not None
    for line in child.stdout:
        name, _, value = line.partition(" ")
        if name in ("worker", "close", "returned"):
            marks[name] = float(value)
    child.wait(timeout=120)
    exited = time.monotonic()
    if child.returncode != 0 or "close" not in marks:
        raise SystemExit(f"the app failed (exit {child.returncode}): {sorted(marks)}")
    return marks["returned"] - marks["close"], exited - marks["close"], _gone(int(marks["worker"]))


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--smoke", action="store_true", help="one run: does it still work?")
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    with tempfile.TemporaryDirectory() as settings:
        results = [run_once(settings) for _ in range(runs)]
    loop = [r[0] for r in results]
    exit_s = [r[1] for r in results]
    print(f"{runs} runs; close -> event loop returned: median {statistics.median(loop):.2f} s")
    print(
        f"close -> process exited: median {statistics.median(exit_s):.2f} s, "
        f"worst {max(exit_s):.2f} s (goal: under 2 s)"
    )
    print(f"worker process left behind: {sum(not r[2] for r in results)} of {runs}")


if __name__ == "__main__":
    main()
