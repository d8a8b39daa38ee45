"""The Mistakes tab: entries run off the GUI thread on the explorer's batch, show torch's own
message or the evidence, reveal the fix on demand, and fit the screen in both modes."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QColor, QTextDocument

from padviz.core import mistakes
from padviz.core.batch import from_lengths
from padviz.gui.explorer import mistakes_panel
from padviz.gui.explorer.mistakes_panel import FIX_HIDDEN, MistakesPanel
from padviz.gui.state import AppState
from padviz.gui.theme import current_theme


@pytest.fixture
def panel(qtbot):
    widget = MistakesPanel(AppState(from_lengths([6, 2, 4])))
    qtbot.addWidget(widget)
    widget.resize(1400, 800)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def _plain(label) -> str:
    """A rich-text label's text as the reader sees it."""
    document = QTextDocument()
    document.setHtml(label.text())
    return document.toPlainText()


def _run(panel: MistakesPanel, action) -> None:
    action()
    panel.wait()


def test_lists_every_mistake_and_shows_the_wrong_code_first(panel) -> None:
    assert panel.list.count() == len(mistakes.ALL)
    panel.select("left_padding_packed")
    code = mistakes.ALL["left_padding_packed"].wrong
    assert panel.wrong_code.toPlainText() == code.excerpt
    assert panel.fix_code.toPlainText() == FIX_HIDDEN
    assert panel.wrong_verdict.text() == "" and panel.result is None
    marked = [mark.cursor.block().text() for mark in panel.wrong_code.extraSelections()]
    assert marked == [line for line in code.excerpt.splitlines() if "# MISTAKE" in line]
    assert marked and marked[0].startswith("padded = pad_sequence(")
    panel.whole.setChecked(True)
    assert panel.wrong_code.toPlainText() == code((6, 2, 4))


def test_a_comment_only_mark_tints_the_line_it_explains_too(panel) -> None:
    panel.select("length_exceeds_T")
    marked = [mark.cursor.block().text() for mark in panel.wrong_code.extraSelections()]
    assert len(marked) == 2 and marked[0].startswith("# MISTAKE")
    assert marked[1].startswith("claimed = torch.tensor([n + 1")


def test_try_it_shows_torchs_own_message_then_fix_it_the_verdict(panel) -> None:
    panel.select("zero_length")
    _run(panel, panel.try_it)
    result = panel.result
    assert result is not None and result.lengths == (6, 2, 4, 0)
    assert result.outcome == "error"
    assert result.torch_message in _plain(panel.wrong_verdict)
    assert panel.fix_code.toPlainText() == FIX_HIDDEN
    panel.fix_it()  # the result is there: nothing to run
    assert not panel.running
    assert panel.fix_code.toPlainText() == mistakes.ALL["zero_length"].fix.excerpt
    verdict = " ".join(_plain(panel.fix_verdict).split())
    assert verdict.startswith("Fixed matches the per-sequence reference")
    assert "length 0 is added" in _plain(panel.note)


def test_a_silent_mistake_shows_its_evidence(panel) -> None:
    panel.select("forgot_unsort_h_n")
    _run(panel, panel.fix_it)
    text = _plain(panel.wrong_verdict)
    assert (
        text.split()[:4] == ["No", "error,", "silently", "wrong"]
        and "max |got - expected| = " in text
    )
    assert panel.result.evidence["max_abs_difference"] > 1e-3


def test_runs_off_the_gui_thread(panel, monkeypatch) -> None:
    threads = []
    real = mistakes.run

    def recording(name, lengths):
        threads.append(threading.current_thread())
        return real(name, lengths)

    monkeypatch.setattr(mistakes_panel.mistakes, "run", recording)
    _run(panel, panel.try_it)
    assert threads and threads[0] is not threading.main_thread()
    assert panel.result is not None


def test_a_new_batch_runs_again_on_its_lengths_and_an_old_result_is_dropped(panel) -> None:
    panel.select("left_padding_packed")
    _run(panel, panel.try_it)
    assert panel.result.lengths == (6, 2, 4)
    panel.state.set_batch(from_lengths([3, 8]))
    panel.wait()
    assert panel.result.lengths == (3, 8) and "lengths 3, 8" in _plain(panel.note)
    # an entry chosen while a run is going: that run's result is not shown for it
    panel.try_it()
    panel.select("article_loss")
    panel.wait()
    assert panel.result is None and panel.wrong_verdict.text() == ""


def test_edits_while_the_tab_is_hidden_wait_until_it_is_shown(panel) -> None:
    panel.select("left_padding_packed")
    _run(panel, panel.try_it)
    panel.hide()
    for lengths in ([3, 8], [4, 1, 2], [2, 5]):  # typing in the explorer: one run at most
        panel.state.set_batch(from_lengths(lengths))
    assert not panel.running and panel.result.lengths == (6, 2, 4)
    panel.show()
    panel.wait()
    assert panel.result.lengths == (2, 5) and "lengths 2, 5" in _plain(panel.note)


def _pixels(widget) -> np.ndarray:
    image = widget.grab().toImage().convertToFormat(widget.grab().toImage().Format.Format_RGB32)
    buffer = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), -1, 4)
    return buffer[:, : image.width(), :3][..., ::-1]  # BGRA -> RGB


def _has_colour(widget, hex_colour: str) -> bool:
    colour = QColor(hex_colour)
    want = np.array([colour.red(), colour.green(), colour.blue()])
    return bool((np.abs(_pixels(widget).astype(int) - want).sum(axis=2) < 40).any())


def test_verdicts_are_drawn_in_the_themes_colours(panel) -> None:
    theme = current_theme()
    panel.select("pad_target_minus_one")
    _run(panel, panel.fix_it)
    assert _has_colour(panel.wrong_verdict, theme.error)
    assert _has_colour(panel.fix_verdict, theme.info)
    panel.select("article_loss")
    _run(panel, panel.try_it)
    assert _has_colour(panel.wrong_verdict, theme.warning)
    assert not _has_colour(panel.wrong_verdict, theme.error)


def _inside(widget, win) -> bool:
    top_left = widget.mapTo(win, QPoint(0, 0))
    return widget.isVisible() and win.rect().contains(QRect(top_left, widget.size()))


def test_the_view_menu_opens_the_tab(window) -> None:
    action = next(a for a in window.view_menu.actions() if a.text() == "&Mistake lab")
    action.trigger()
    assert window.tabs.currentWidget() is window.mistakes


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("present", [False, True])
def test_the_tab_fits_the_screen_in_both_modes(window, qtbot, width, height, present) -> None:
    window.lecture.set_presentation(present)
    window.resize(width, height)
    window.show_tab("mistakes")
    lab = window.mistakes
    lab.select("accumulation_mean_of_means")  # the longest snippets
    _run(lab, lab.fix_it)
    qtbot.wait(20)
    assert (window.width(), window.height()) == (width, height)
    picker = lab.combo if present else lab.list
    assert lab.list.isVisible() != present and lab.combo.isVisible() == present
    for widget in (picker, lab.try_button, lab.fix_button, lab.wrong_verdict, lab.fix_verdict):
        assert _inside(widget, window), widget.objectName()
    for view in (lab.wrong_code, lab.fix_code):
        assert _inside(view, window) and view.height() >= 4 * view.fontMetrics().lineSpacing()
    # the verdict sits right under its code
    gap = lab.wrong_verdict.mapTo(window, QPoint(0, 0)).y() - (
        lab.wrong_code.mapTo(window, QPoint(0, 0)).y() + lab.wrong_code.height()
    )
    assert 0 <= gap <= 20
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 640, hint
