"""The mistakes lesson in the window: each step selects its mistake on the Mistakes tab and runs
it (tried, or tried and fixed); slides and screenshots wait for the run (nothing says
"running"); in presentation the code's marked line and the verdicts are on screen."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPoint, QRect, QSize
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel

from padviz.cli import main
from padviz.core import mistakes
from padviz.core.lessons import load_lesson
from padviz.gui.explorer.mistakes_panel import FIX_HIDDEN, RUNNING
from padviz.gui.lecture import rendering
from padviz.gui.main_window import MainWindow
from padviz.gui.theme import current_theme
from padviz.gui.torch_loader import LOADING

LESSON = load_lesson("mistakes")


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    yield win
    win.lecture.walk.set_playing(False)


def _says_running(window: MainWindow) -> bool:
    texts = [label.text() for label in window.findChildren(QLabel) if label.isVisible()]
    return any(RUNNING in text or LOADING in text for text in texts)


def _check_step(window: MainWindow, k: int) -> None:
    """The lab shows step k's mistake, run on the step's batch, at the step's stage."""
    step = LESSON.steps[k]
    lab = window.mistakes
    assert window.tabs.currentWidget() is lab
    assert lab.name == step.mistake.name and not lab.busy
    result = lab.result
    assert result is not None and result.name == step.mistake.name
    assert result.lengths == tuple(step.batch.lengths)
    assert lab.wrong_verdict.text()  # tried: what torch did
    fixed = step.mistake.stage == "fix"
    assert bool(lab.fix_verdict.text()) == fixed
    shown = mistakes.get(result.name).fix.excerpt if fixed else FIX_HIDDEN
    assert lab.fix_code.toPlainText() == shown
    assert lab.cells.isVisibleTo(lab) == (result.outcome == "silent")
    assert not _says_running(window)


def test_slides_show_each_step_run_and_nothing_running(window) -> None:
    seen = []
    images = rendering.render_lesson(
        window, "mistakes", QSize(1280, 720), lambda k, n, page: seen.append((k, n, page))
    )
    for image in itertools.islice(images, 6):  # error, its fix, then silent ones
        k = seen[-1][2].step
        assert (image.width(), image.height()) == (1280, 720)
        _check_step(window, k)
    assert seen[-1][1] == len(LESSON.steps) == 16


def test_going_back_from_a_fix_shows_the_try_again(window) -> None:
    lecture = window.lecture
    assert lecture.open_lesson("mistakes", step=11)  # the article's loss, fixed
    rendering.settle(window)
    _check_step(window, 11)
    lecture.player.go_to(10)
    rendering.settle(window)
    _check_step(window, 10)
    assert window.mistakes.fix_verdict.text() == ""


def _inside(widget, window) -> bool:
    corner = widget.mapTo(window, QPoint(0, 0))
    return widget.isVisible() and window.rect().contains(QRect(corner, widget.size()))


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("k", [4, 11])  # a silent one tried, a silent one fixed
def test_presentation_shows_the_marked_code_and_the_verdicts(window, width, height, k) -> None:
    lecture = window.lecture
    lecture.set_presentation(True)
    window.resize(width, height)
    window.show()
    assert lecture.open_lesson("mistakes", step=k)
    rendering.settle(window)
    lab = window.mistakes
    views = [(lab.wrong_code, lab.wrong_verdict)]
    if LESSON.steps[k].mistake.stage == "fix":
        views.append((lab.fix_code, lab.fix_verdict))
    else:
        assert not lab.fix_code.isVisible()  # the wrong code has the width until Fix it
    for code, verdict in views:
        assert _inside(code, window) and _inside(verdict, window), code.objectName()
        # the marked line (the change) is in view, even where the code scrolls
        marked = [mark.cursor.block().blockNumber() for mark in code.extraSelections()]
        assert code.textCursor().block().blockNumber() == marked[-1]
        rect = code.cursorRect()
        assert code.viewport().rect().contains(rect), (code.objectName(), rect)
        # large type: a code line at least 2% of the screen's height
        assert code.fontMetrics().height() >= 0.02 * height
    assert _inside(lab.cells.view, window) and _inside(lab.cells.caption, window)
    assert not _says_running(window)


def test_screenshot_cli_waits_for_the_mistake(tmp_path, capsys) -> None:
    out = tmp_path / "step.png"
    argv = ["screenshot", "--lesson", "mistakes", "--step", "11", "--present"]
    assert main([*argv, "--width", "1280", "--height", "720", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {out} (1280 x 720)")
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1280, 720)
    # the run was waited for: its lit cells' outline is in the picture
    lit = QColor(current_theme().lit[:7]).rgb()
    assert any(image.pixel(x, y) == lit for x in range(0, 1280, 2) for y in range(0, 720, 2))
