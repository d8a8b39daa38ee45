"""`padviz FILE` and `padviz screenshot --open FILE`; the display check before Qt starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from padviz.cli import main, with_gui_for_a_file
from padviz.display import DisplayError, check_display, missing_xcb_library


def test_a_file_as_the_first_word_opens_the_app_on_it(tmp_path):
    path = str(tmp_path / "b.json")
    assert with_gui_for_a_file([path]) == ["gui", path]
    assert with_gui_for_a_file(["--present", path]) == ["--present", "gui", path]
    assert with_gui_for_a_file(["--lesson", "packing", path]) == [
        "--lesson",
        "packing",
        "gui",
        path,
    ]
    assert with_gui_for_a_file(["layout", "--lengths", "3"]) == ["layout", "--lengths", "3"]
    assert with_gui_for_a_file(["--lesson", "packing"]) == ["--lesson", "packing"]


def test_a_mistyped_command_is_still_argparses_error(capsys):
    assert main(["layot"]) == 2
    assert "invalid choice: 'layot'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, message",
    [
        ("[" * 100_000, "JSON nested deeper than 32 levels"),
        ('{"format": "padviz-batch", "version": "1"}', "version must be the number 1, got '1'"),
        ('{"format": "nope"}', "not a padviz file"),
    ],
)
def test_a_bad_file_is_one_line_before_any_window(tmp_path, capsys, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {path}") and message in err and err.count("\n") == 1
    assert main(["screenshot", "--open", str(path), "--out", str(tmp_path / "s.png")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "s.png").exists()


def test_a_missing_file_is_one_line(tmp_path, capsys):
    assert main([str(tmp_path / "gone.json")]) == 2
    assert capsys.readouterr().err == f"error: cannot read {tmp_path / 'gone.json'}: " + (
        "No such file or directory\n"
    )


def test_screenshot_opens_a_batch_file(tmp_path, capsys):
    batch = tmp_path / "b.json"
    data = {"format": "padviz-batch", "version": 1, "name": "mine", "sequences": [[1] * 9, [2]]}
    batch.write_text(json.dumps(data), encoding="utf-8")
    size = ["--width", "1600", "--height", "1000"]
    assert main(["screenshot", "--open", str(batch), "--out", str(tmp_path / "b.png"), *size]) == 0
    assert main(["screenshot", "--out", str(tmp_path / "article.png"), *size]) == 0
    opened, article = QImage(str(tmp_path / "b.png")), QImage(str(tmp_path / "article.png"))
    assert (opened.width(), opened.height()) == (1600, 1000)
    assert opened != article  # the file's batch is on screen, not the start-up one


def test_no_display_is_one_line_saying_what_to_do():
    with pytest.raises(DisplayError, match=r"neither DISPLAY nor WAYLAND_DISPLAY.*offscreen"):
        check_display({}, platform="linux")
    check_display({"QT_QPA_PLATFORM": "offscreen"}, platform="linux")
    check_display({}, platform="darwin")  # macOS and Windows always have one


def test_the_app_without_a_display_exits_2_before_qt_starts():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run(
        [sys.executable, "-m", "padviz"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: no display") and done.stderr.count("\n") == 1


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or missing_xcb_library() is None,
    reason="needs a machine without Qt's X11 libraries",
)
def test_missing_x11_libraries_are_named_with_the_apt_line():
    missing = missing_xcb_library()
    with pytest.raises(
        DisplayError, match=f"{missing} is missing.*apt-get install .*libxcb-icccm4"
    ):
        check_display({"DISPLAY": ":0"}, platform="linux")
