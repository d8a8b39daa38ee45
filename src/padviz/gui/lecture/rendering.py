"""Pictures of the window as a lesson step describes it, for `padviz screenshot`, `padviz
slides` and File > Export lesson as slides… (which runs `padviz slides`).

A picture is taken only once the window shows what the step says: the explorer's document drawn,
a step that trains trained to the end of its runs (the lesson's stopping point, in the training
worker, as the Start button would), the hidden-state truth view computed, and a mistake-lab
step's mistake run. Nothing is drawn that says "Computing…" or "running".
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from PySide6.QtCore import QMarginsF, QPoint, QRect, QSettings, QSize, QSizeF, Qt
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication

from padviz.core.errors import PadvizError
from padviz.core.files import replacing
from padviz.gui.training.controller import RunState

if TYPE_CHECKING:
    from padviz.core.lessons import Lesson
    from padviz.gui.main_window import MainWindow

DOCUMENT_TIMEOUT_S = 60.0  # the longest wait for a large batch's layout or the truth view
TRAINING_TIMEOUT_S = 1800.0  # the longest wait for a step's training to reach its end


class RenderError(PadvizError):
    """The window did not reach what the step describes in time (or a page cannot be written)."""


class Stopped(RenderError):
    """Rendering was asked to stop (`request_stop`)."""


_stop = threading.Event()


def request_stop() -> None:
    """Make the rendering under way raise Stopped at its next wait (safe from a signal handler:
    it only sets a flag, the exception is raised in plain Python code)."""
    _stop.set()


class Page(NamedTuple):
    """One slide: a lesson step (from 0), and the packed time step lit for a walk page."""

    step: int
    time: int | None = None


def pages(lesson: Lesson) -> list[Page]:
    """One page per step, plus one per packed time step after a step about the time walk."""
    from padviz.core.layout import compute_layout
    from padviz.core.views import time_steps

    found = []
    for k, step in enumerate(lesson.steps):
        found.append(Page(k))
        if step.highlight.walk:
            steps = time_steps(compute_layout(step.batch, step.options))
            found.extend(Page(k, t) for t in range(steps))
    return found


@contextlib.contextmanager
def offscreen_window() -> Iterator[MainWindow]:
    """A main window for pictures: offscreen unless told otherwise, with settings of its
    own (a picture neither depends on nor changes what the user's window remembers)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a picture needs no display
    from padviz.gui.app import dispose
    from padviz.gui.main_window import MainWindow

    if QApplication.instance() is None:
        QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as settings_dir:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir)
        window = MainWindow()
        try:
            yield window
        finally:
            dispose(window)


def _wait(done: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if _stop.is_set():
            raise Stopped("stopped before the slides were complete")
        if done():
            return
        if time.monotonic() > deadline:
            raise RenderError(f"gave up after {seconds:.0f} s waiting for {what}")
        QApplication.processEvents()
        time.sleep(0.005)


def settle(window: MainWindow) -> None:
    """Wait until the window shows what its lesson step (if any) describes; see the module
    docstring. A step that trains is trained here unless its runs are already at their end."""
    lecture, training = window.lecture, window.training
    _wait(
        lambda: window.state.current and not window.explorer.drawing,
        DOCUMENT_TIMEOUT_S,
        "the batch's layout",
    )
    step = lecture.player.step
    on_training = window.tabs.currentWidget() is training
    shows_runs = on_training or (step is not None and step.states_results)
    if step is not None and step.training is not None and shows_runs:
        end = step.training.config.steps
        results = training.run_results()
        if any(results.get(mode, {}).get("step") != end for mode in step.training.runs):
            training.start()
            _wait(
                lambda: training.controller.state not in (RunState.RUNNING, RunState.PAUSED),
                TRAINING_TIMEOUT_S,
                f"the training of lesson step {lecture.player.index + 1}",
            )
    if on_training:
        _wait(lambda: not training.hidden_pending(), DOCUMENT_TIMEOUT_S, "the hidden states")
    if step is not None and step.mistake is not None:
        lab = window.mistakes
        _wait(lambda: not lab.busy, DOCUMENT_TIMEOUT_S, f"mistake {step.mistake.name!r}")
    for _ in range(3):  # what the last answers changed is laid out and painted
        QApplication.processEvents()


def grab(window: MainWindow, width: int, height: int) -> QImage:
    """Show the window at this size, settle it and return its picture."""
    window.resize(width, height)
    window.show()
    settle(window)
    return window.grab().toImage()


def fit(image: QImage, size: QSize) -> QImage:
    """The picture at exactly `size`: as it is, or scaled down and centred on the window's
    background where the window could not be made that small."""
    if image.size() == size:
        return image
    page = QImage(size, QImage.Format.Format_RGB32)
    page.fill(QApplication.palette().window().color())
    scaled = image.scaled(
        size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
    )
    painter = QPainter(page)
    try:
        corner = QPoint(
            (size.width() - scaled.width()) // 2, (size.height() - scaled.height()) // 2
        )
        painter.drawImage(corner, scaled)
    finally:
        painter.end()
    return page


def render_lesson(
    window: MainWindow, key: str, size: QSize, progress: Callable[[int, int, Page], None]
) -> Iterator[QImage]:
    """The lesson `key` (a shipped name or a file), page by page, as presentation mode shows it
    at `size`; `progress(k, n, page)` is told before page k of n is rendered."""
    lecture = window.lecture
    if not lecture.open_lesson(key):
        raise RenderError(f"cannot open lesson {key!r}")
    _wait(lambda: lecture.player.lesson is not None, DOCUMENT_TIMEOUT_S, f"lesson {key!r}")
    lesson = lecture.player.lesson
    lecture.set_presentation(True)
    window.resize(size)
    window.show()
    every = pages(lesson)
    for k, page in enumerate(every, start=1):
        _wait(lambda: True, 0, "")  # raises if a stop was asked for
        progress(k, len(every), page)
        if lecture.player.index != page.step:
            lecture.player.go_to(page.step)
        settle(window)
        if page.time is not None:
            lecture.walk.set_time(page.time)
            settle(window)
        yield fit(window.grab().toImage(), size)


def write_pdf(images: Iterator[QImage], path: Path, size: QSize) -> int:
    """Write the pictures as the pages of a PDF (one pixel = one point), to a temporary file
    beside `path` that replaces it once complete; returns the number of pages."""
    count = 0
    with replacing(path, error=RenderError) as temporary:
        writer = QPdfWriter(temporary)
        writer.setResolution(72)
        writer.setCreator("padviz")
        writer.setTitle(path.stem)
        writer.setPageLayout(
            QPageLayout(
                QPageSize(QSizeF(size), QPageSize.Unit.Point),
                QPageLayout.Orientation.Portrait,
                QMarginsF(0, 0, 0, 0),
            )
        )
        painter = QPainter()
        try:
            for image in images:
                if count == 0 and not painter.begin(writer):
                    raise RenderError(f"cannot write {path}")
                if count:
                    writer.newPage()
                painter.drawImage(QRect(QPoint(0, 0), size), image)
                count += 1
        finally:
            if painter.isActive():
                painter.end()
    return count


def write_png(image: QImage, path: Path) -> None:
    """One picture as a PNG, through a temporary file beside `path`."""
    with replacing(path, error=RenderError) as temporary:
        if not image.save(temporary, "PNG"):
            raise RenderError(f"cannot write {path}")
