"""Start-up time: from starting a process to the main window shown and first painted.

    python benchmarks/startup.py [--runs N] [--smoke]

Each figure is the time from just before the parent starts a fresh `python` subprocess to a
mark the child prints (its time.monotonic(), the same clock on Linux and macOS), median of N
runs (5), offscreen (QT_QPA_PLATFORM=offscreen) with a throw-away settings folder, so the app
opens as on a first start. The children may write bytecode (__pycache__, one uncounted warm-up
run of the window compiles padviz's modules), as an installed padviz has its modules compiled;
with PYTHONDONTWRITEBYTECODE, as set on some shared machines, every start would compile them
again (~70 ms more here):

- python alone: `python -c pass`, the floor under every other row;
- import torch: context; the window imports it on a thread once it is shown;
- bare window shown: a QMainWindow holding one pyqtgraph PlotWidget, shown, at the first
  event-loop turn after show(): the floor under padviz's window on this Qt stack;
- import main window: `import padviz.gui.main_window` (without torch: a test checks);
- window shown: `python -m padviz` with PADVIZ_BENCH_STARTUP set, at the first event-loop
  turn after `window.show()` (see padviz.gui.app.quit_after_first_paint);
- torch loaded: the same run, once the window's thread has imported torch (it starts after
  the first paint);
- first layout painted: the same run, once the explorer's padded view has painted a layout.

To see what an import costs: `python -X importtime -c "import padviz.gui.main_window"`.
Not a test: timings depend on the machine and on what else runs on it. `--smoke` (one run of
each row) only checks that the benchmark still works; tests/test_benchmarks.py runs it.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STARTUP_BENCH_ENV = "PADVIZ_BENCH_STARTUP"  # as in padviz.gui.app
MARK = "import time; print('startup {name}', time.monotonic(), flush=True)"
BARE_WINDOW = """
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setCentralWidget(pg.PlotWidget())
window.resize(1600, 1000)
window.show()
def shown():
    {mark}
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""
# (row label, python arguments, the child's mark that ends the row)
PROBES = (
    ("python alone", ["-c", MARK.format(name="done")], "done"),
    ("import torch", ["-c", "import torch; " + MARK.format(name="done")], "done"),
    ("bare window shown", ["-c", BARE_WINDOW.format(mark=MARK.format(name="done"))], "done"),
    (
        "import main window",
        ["-c", "import padviz.gui.main_window; " + MARK.format(name="done")],
        "done",
    ),
    ("window shown", ["-m", "padviz"], "shown"),
    ("torch loaded", ["-m", "padviz"], "loaded"),
    ("first layout painted", ["-m", "padviz"], "painted"),
)


def child_env(settings_dir: str) -> dict[str, str]:
    """Offscreen, importable from this checkout, fresh settings, bytecode kept, the start-up
    hook on."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=settings_dir)
    env[STARTUP_BENCH_ENV] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_once(args: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from just before the process starts to each `startup NAME T` mark it prints."""
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    marks = {}
    for line in proc.stdout.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "startup":
            marks[words[1]] = float(words[2]) - start
    if proc.returncode != 0 or not marks:
        raise RuntimeError(f"{' '.join(args)} exited {proc.returncode}: {proc.stderr[-2000:]}")
    return marks


def measure(runs: int, warm_up: bool = True) -> dict[str, list[float]]:
    """Seconds per row, one sample per run; the runs of different rows are interleaved."""
    samples: dict[str, list[float]] = {label: [] for label, _, _ in PROBES}
    with tempfile.TemporaryDirectory() as settings_dir:
        env = child_env(settings_dir)
        if warm_up:
            run_once(["-m", "padviz"], env)  # compiles padviz's modules; not counted
        for _ in range(runs):
            marks_of: dict[tuple[str, ...], dict[str, float]] = {}
            for label, args, mark in PROBES:
                key = tuple(args)
                if key not in marks_of:  # the window rows share one run
                    marks_of[key] = run_once(args, env)
                if mark not in marks_of[key]:
                    raise RuntimeError(f"{label}: the child never printed 'startup {mark}'")
                samples[label].append(marks_of[key][mark])
    return samples


def format_table(samples: dict[str, list[float]]) -> str:
    lines = [f"{'start-up to':<22} {'median ms':>10} {'min ms':>8} {'max ms':>8}"]
    for label, seconds in samples.items():
        ms = [1000 * s for s in seconds]
        lines.append(f"{label:<22} {statistics.median(ms):>10.0f} {min(ms):>8.0f} {max(ms):>8.0f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per row (5)")
    parser.add_argument(
        "--smoke", action="store_true", help="one run per row: check that it works, not timings"
    )
    args = parser.parse_args()
    runs = 1 if args.smoke else args.runs
    print(
        f"{platform.node()}: {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{time.strftime('%Y-%m-%d')}; median of {runs} runs, offscreen"
    )
    print(format_table(measure(runs, warm_up=not args.smoke)))


if __name__ == "__main__":
    main()
