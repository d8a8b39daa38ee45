"""The start-up hook benchmarks/startup.py relies on: with PADVIZ_BENCH_STARTUP set, the app
prints when its window is shown, when torch is loaded and when the first layout is painted,
then quits by itself.

It runs `python -m padviz` in a subprocess, as the benchmark does: quitting the application
inside the test process would leave pytest-qt's shared QApplication unable to run timers."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from padviz.gui.app import STARTUP_BENCH_ENV

ROOT = Path(__file__).resolve().parents[2]


def test_the_app_marks_shown_and_painted_then_quits(tmp_path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    env[STARTUP_BENCH_ENV] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    out = subprocess.run(
        [sys.executable, "-m", "padviz"],
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    marks = {}
    for line in out.stdout.splitlines():
        word, name, seconds = line.split()
        assert word == "startup"
        marks[name] = float(seconds)
    assert set(marks) == {"shown", "loaded", "painted"}
    assert marks["shown"] <= marks["loaded"] <= marks["painted"]
