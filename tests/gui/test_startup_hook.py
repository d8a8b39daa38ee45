"""The start-up hook benchmarks/startup.py relies on: with PADVIZ_BENCH_STARTUP set, the app
prints when its window is shown and first painted, then quits by itself."""

from __future__ import annotations

from padviz.cli import build_parser
from padviz.gui.app import STARTUP_BENCH_ENV, run_app


def test_the_app_marks_shown_and_painted_then_quits(monkeypatch, capsys) -> None:
    monkeypatch.setenv(STARTUP_BENCH_ENV, "1")
    assert run_app(build_parser().parse_args([])) == 0
    marks = {}
    for line in capsys.readouterr().out.splitlines():
        word, name, seconds = line.split()
        assert word == "startup"
        marks[name] = float(seconds)
    assert set(marks) == {"shown", "painted"}
