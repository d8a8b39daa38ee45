"""`padviz --lesson NAME --present --reset-settings` and
`padviz screenshot --lesson NAME --step K`."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from padviz.cli import build_parser, main
from padviz.gui.app import run_app
from padviz.gui.main_window import MainWindow
from padviz.gui.remembered import app_settings
from padviz.gui.theme import current_theme


def _run_and_look(argv: list[str]) -> dict:
    """Run the app with these arguments; look at its window once the loop runs, then quit."""
    seen: dict = {}

    def look() -> None:
        window = next(
            w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()
        )
        lecture = window.lecture
        seen.update(
            lesson=lecture.player.lesson and lecture.player.lesson.name,
            presenting=lecture.presenting,
            theme=current_theme().name,
            error=lecture.player.error.text() if lecture.player.error.isVisibleTo(window) else "",
        )
        window.close()
        QApplication.quit()

    QTimer.singleShot(0, look)
    assert run_app(build_parser().parse_args(argv)) == 0
    return seen


def test_app_opens_on_a_lesson_in_presentation_after_a_reset() -> None:
    app_settings().setValue("ui/theme", "dark")
    seen = _run_and_look(["--lesson", "packing", "--present", "--reset-settings"])
    assert seen == {"lesson": "packing", "presenting": True, "theme": "light", "error": ""}


def test_app_reports_an_unknown_lesson_in_the_window() -> None:
    seen = _run_and_look(["gui", "--lesson", "no-such-lesson"])
    assert seen["lesson"] is None and not seen["presenting"]
    assert seen["error"].startswith("no-such-lesson: no such lesson or file")


def test_screenshot_renders_a_lesson_step(tmp_path, capsys) -> None:
    out = tmp_path / "step.png"
    argv = ["screenshot", "--lesson", "packing", "--step", "2", "--present"]
    assert main([*argv, "--width", "1920", "--height", "1080", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (1920 x 1080)")
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1920, 1080)
    assert len({image.pixel(x, 400) for x in range(0, 1920, 8)}) > 3  # not blank


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--lesson", "packing", "--step", "99"], "--step 99: lesson 'packing' has steps 1..9"),
        (["--step", "2"], "--step needs --lesson"),
        (["--lesson", "nope"], "nope: no such lesson or file"),
    ],
)
def test_screenshot_refuses_a_bad_lesson_or_step(tmp_path, capsys, argv, words) -> None:
    assert main(["screenshot", *argv, "--out", str(tmp_path / "x.png")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and err.count("\n") == 1
    assert not (tmp_path / "x.png").exists()
