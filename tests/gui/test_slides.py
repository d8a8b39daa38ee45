"""`padviz slides`, File > Export lesson as slides… and `padviz screenshot` of lesson steps: one
page per step (and per walk time step), none blank, training trained and truth views computed
before a page is drawn."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from padviz.cli import main
from padviz.core.captions import NO_RESULT
from padviz.core.lessons import load_lesson
from padviz.gui.lecture import rendering
from padviz.gui.main_window import MainWindow

TINY = {"task": "running-sum-mod-k", "steps": 6, "batch_size": 4, "embed": 4, "hidden": 4}


def _lesson_file(tmp_path: Path, steps: list[dict]) -> Path:
    path = tmp_path / "mine.json"
    data = {"format": "padviz-lesson", "version": 1, "title": "Mine", "description": "Mine."}
    path.write_text(json.dumps({**data, "steps": steps}), "utf-8")
    return path


def _training_lesson(tmp_path: Path) -> Path:
    return _lesson_file(
        tmp_path,
        [
            {"batch": {"lengths": [4, 2, 3]}, "caption": "T = {T}"},
            {"highlight": {"walk": True}, "caption": "walk it"},
            {
                "training": {"config": TINY, "runs": ["padded-unmasked", "packed"]},
                "tab": "training",
                "caption": "loss {packed.masked_loss} at step {packed.step}",
            },
        ],
    )


def _pdf_pages(path: Path) -> list[str]:
    """The MediaBox of every page of a PDF Qt wrote."""
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) == data.count(b"/MediaBox")
    return [box.decode() for box in re.findall(rb"/MediaBox\s*\[([^\]]*)\]", data)]


def _not_blank(image: QImage) -> bool:
    """Many colours across the page, not one background with a few specks."""
    colours = {image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, 400, 9)}
    return len(colours) > 20


def _visible_texts(window: MainWindow) -> list[str]:
    return [label.text() for label in window.findChildren(QLabel) if label.isVisible()]


@pytest.fixture
def window(qtbot):
    win = MainWindow()
    qtbot.addWidget(win)
    yield win
    win.lecture.walk.set_playing(False)


def test_every_page_shows_its_step_trained_and_computed(window, tmp_path) -> None:
    path = _training_lesson(tmp_path)
    seen = []
    images = rendering.render_lesson(
        window, str(path), QSize(1280, 720), lambda k, n, page: seen.append((k, n, page))
    )
    shots = []
    for image in images:
        page = seen[-1][2]
        shots.append(image)
        assert (image.width(), image.height()) == (1280, 720)
        assert _not_blank(image), page
        assert not [t for t in _visible_texts(window) if "omputing" in t], page
        assert NO_RESULT not in window.lecture.player.caption.text()  # every number filled
        assert window.lecture.walk.time == page.time
        if page.step == 2:
            lines = window.training.masked_plot.line_items()
            assert len(lines) == 2 and all(len(line.xData) == TINY["steps"] for line in lines)
            assert window.training.hidden_view.truth is not None
            loss = window.training.controller.curves[1].last("masked_loss")
            assert window.lecture.player.caption.text() == f"loss {loss:.3f} at step 6"
    walk = window.state.document.time_steps
    assert walk == 4
    assert [p for _, _, p in seen] == [
        rendering.Page(0),
        rendering.Page(1),
        *(rendering.Page(1, t) for t in range(walk)),
        rendering.Page(2),
    ]
    assert [(k, n) for k, n, _ in seen] == [(k, len(seen)) for k in range(1, len(seen) + 1)]
    # walk pages differ from each other: each lights its own time step
    assert len({bytes(shot.constBits()) for shot in shots[1:-1]}) == walk + 1


def test_pages_are_the_steps_plus_the_walk_of_a_walk_step() -> None:
    lesson = load_lesson("packing")
    walk_steps = [k for k, step in enumerate(lesson.steps) if step.highlight.walk]
    assert walk_steps == [4]
    pages = rendering.pages(lesson)
    assert len(pages) == len(lesson.steps) + 7  # the article's batch: 7 packed time steps
    assert pages[4:13] == [
        rendering.Page(4),
        *(rendering.Page(4, t) for t in range(7)),
        rendering.Page(5),
    ]


def test_cli_writes_a_pdf_page_per_step_and_walk_step(tmp_path, capsys) -> None:
    out = tmp_path / "deck.pdf"
    argv = ["slides", "--lesson", "packing", "--out", str(out), "--size", "640x360"]
    assert main([*argv, "--theme", "dark"]) == 0
    pages = len(rendering.pages(load_lesson("packing")))
    assert capsys.readouterr().out.splitlines()[-1] == f"wrote {out} ({pages} pages, 640 x 360)"
    assert _pdf_pages(out) == ["0 0 640.000000 360.000000"] * pages
    assert [p.name for p in tmp_path.iterdir()] == ["deck.pdf"]  # no temporary file left


def test_cli_writes_a_folder_of_pngs_in_the_theme(tmp_path, capsys) -> None:
    path = _lesson_file(tmp_path, [{"batch": {"lengths": [5, 3]}, "caption": "one"}])
    out = tmp_path / "pages"
    argv = ["slides", "--lesson", str(path), "--out", f"{out}/", "--size", "800x600"]
    assert main([*argv, "--theme", "dark"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["mine-01.png"]
    image = QImage(str(out / "mine-01.png"))
    assert (image.width(), image.height()) == (800, 600)
    assert _not_blank(image)
    corner = image.pixelColor(790, 590)
    assert corner.lightness() < 80  # the dark theme's background


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--size", "1920"], "--size '1920': write WxH"),
        (["--size", "100x720"], "--size '100x720': 100 is outside 320..7680"),
        (["--theme", "neon"], "--theme: invalid choice: 'neon'"),
        (["--lesson", "nope"], "--lesson nope: no such lesson or file"),
        (["--out", "deck.txt"], "--out 'deck.txt': write the slides to DECK.pdf"),
        (["--out", "no/such/deck.pdf"], "--out 'no/such/deck.pdf': folder 'no/such' does not"),
        (["--out", "no/such/"], "--out 'no/such/': folder 'no' does not exist"),
    ],
)
def test_cli_refuses_bad_arguments_in_one_line(args, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = {"--lesson": "packing", "--out": "deck.pdf"}
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = [item for pair in base.items() for item in pair]
    assert main(["slides", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and words in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_screenshot_of_h_n_trap_step_6_shows_the_truth_view(window) -> None:
    window.lecture.open_lesson("h-n-trap", step=5)
    window.lecture.set_presentation(True)
    image = rendering.grab(window, 1600, 1000)
    assert _not_blank(image)
    view = window.training.hidden_view
    summary = view.summary.text()
    assert (
        summary.startswith("3 sequences, lengths 3-7.") and "packed vs alone: all match" in summary
    )
    padded = view.images["padded"].image
    assert padded is not None and padded.shape == (128, 3)  # bidirectional: 2 x hidden 64
    assert np.abs(padded).max() > 0
    controller = window.training.controller
    assert controller.state.value == "finished"
    assert {int(c.last("step")) for c in controller.curves} == {40}


def test_file_menu_exports_the_lesson_as_slides_in_a_child_process(window, qtbot, tmp_path):
    path = _lesson_file(tmp_path, [{"batch": {"lengths": [5, 3]}, "caption": "one"}])
    out = tmp_path / "deck.pdf"
    lecture = window.lecture
    assert lecture.slides_action in window.file_menu.actions()
    lecture.slides_action.trigger()  # no lesson yet
    assert "open a lesson first" in window.statusBar().currentMessage()
    lecture.open_lesson(str(path))
    lecture.slides.ask_path = lambda name: out if name == "mine" else None
    with qtbot.waitSignal(lecture.slides.done, timeout=120_000) as done:
        lecture.slides_action.trigger()
        assert lecture.slides.running
        assert window.statusBar().currentMessage().startswith("exporting the slides")
    assert done.args == [True, f"exported the slides (1 page) to {out}"]
    assert _pdf_pages(out) == ["0 0 1920.000000 1080.000000"]

    path.unlink()  # the lesson file is gone: the child's error is shown in the window
    with qtbot.waitSignal(lecture.slides.done, timeout=120_000) as done:
        lecture.slides_action.trigger()
    assert done.args[0] is False
    message = window.statusBar().currentMessage()
    assert message.startswith("error: cannot export the slides: --lesson ") and "no such" in message


def test_closing_the_window_mid_export_stops_it_and_leaves_no_file(window, qtbot, tmp_path):
    folder = tmp_path / "slides"
    folder.mkdir()
    out = folder / "deck.pdf"
    lecture = window.lecture
    lecture.open_lesson("packing")
    lecture.slides.ask_path = lambda name: out
    lecture.slides_action.trigger()
    status = window.statusBar()
    qtbot.waitUntil(lambda: "page 3 of" in status.currentMessage(), timeout=120_000)
    window.close()  # the lecture cancels the export
    assert not lecture.slides.running
    assert list(folder.iterdir()) == []  # the unfinished PDF was removed
