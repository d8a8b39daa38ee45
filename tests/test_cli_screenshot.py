"""`padviz screenshot`: a real PNG of the main window, and one-line errors for bad arguments."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from padviz.cli import main


def test_screenshot_writes_the_window_at_the_asked_size(tmp_path) -> None:
    out = tmp_path / "shot.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "padviz",
            "screenshot",
            "--out",
            str(out),
            "--preset",
            "sentences",
            "--width",
            "1440",
            "--height",
            "900",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr  # also: no crash while shutting down
    assert f"wrote {out} (1440 x 900)" in done.stdout
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1440, 900)
    colours = {image.pixel(x, y) for x in range(0, 1440, 7) for y in range(0, 900, 7)}
    assert len(colours) > 50


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.jpg"], "name it FILE.png"),
        (["--out", "no/such/folder/x.png"], "does not exist"),
        (["--out", "x.png", "--preset", "nope"], "unknown preset 'nope'"),
        (["--out", "x.png", "--width", "wide"], "not a whole number"),
        (["--out", "x.png", "--height", "5"], "outside 320..7680"),
        ([], "--out"),
    ],
)
def test_bad_arguments_are_one_line_errors(args, message, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["screenshot", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err
