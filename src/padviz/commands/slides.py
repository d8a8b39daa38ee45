"""`padviz slides`: every step of a lesson as presentation mode shows it, one page per step (and
per packed time step of a step about the time walk), as a PDF or a folder of PNGs.

Steps that train are trained to the lesson's stopping point and the truth view is computed before
a page is drawn (padviz.gui.lecture.rendering). Progress goes to stdout as `page K of N: ...`,
which File > Export lesson as slides… reads.
"""

from __future__ import annotations

import argparse
import re
import signal
from pathlib import Path
from typing import Any

from padviz.cli import UsageError

MIN_SIZE, MAX_SIZE = 320, 7680
THEMES = {"light": "light", "dark": "dark", "high-contrast": "contrast"}  # flag -> theme name


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "slides",
        help="render every step of a lesson as slides (PDF, or a folder of PNGs)",
        description="Render a lesson as presentation mode shows it: one page per step, plus one "
        "per time step where a step is about the packed-time walk. Training steps are trained "
        "to the lesson's stopping point first.",
    )
    p.add_argument("--lesson", required=True, metavar="NAME|FILE", help="a lesson name or file")
    p.add_argument(
        "--out", required=True, metavar="DECK.pdf|FOLDER/", help="a PDF, or a folder for PNGs"
    )
    p.add_argument("--size", default="1920x1080", metavar="WxH", help="page size in pixels")
    p.add_argument("--theme", choices=tuple(THEMES), default="light", help="colour theme")


def parse_size(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if match is None:
        raise UsageError(f"--size {text!r}: write WxH in pixels, e.g. 1920x1080")
    width, height = int(match[1]), int(match[2])
    for value in (width, height):
        if not MIN_SIZE <= value <= MAX_SIZE:
            raise UsageError(f"--size {text!r}: {value} is outside {MIN_SIZE}..{MAX_SIZE} pixels")
    return width, height


def _target(text: str) -> tuple[Path, bool]:
    """Where to write and whether it is a folder of PNGs (created if its parent exists)."""
    out = Path(text)
    folder = text.endswith(("/", "\\")) or out.is_dir()
    if folder:
        if not out.is_dir() and not out.parent.is_dir():
            raise UsageError(f"--out {text!r}: folder {str(out.parent)!r} does not exist")
        return out, True
    if out.suffix.lower() != ".pdf":
        raise UsageError(f"--out {text!r}: write the slides to DECK.pdf or into a FOLDER/ of PNGs")
    if not out.parent.is_dir():
        raise UsageError(f"--out {text!r}: folder {str(out.parent)!r} does not exist")
    return out, False


def run(args: argparse.Namespace) -> int:
    width, height = parse_size(args.size)
    out, folder = _target(args.out)
    from padviz.core.lessons import LessonError, load_lesson

    try:  # a bad lesson fails before Qt starts; loading it also imports torch for the window
        lesson = load_lesson(args.lesson)
    except LessonError as exc:
        raise UsageError(f"--lesson {exc}") from None

    from PySide6.QtCore import QSize

    from padviz.gui.lecture import rendering

    def progress(k: int, n: int, page: rendering.Page) -> None:
        at = f", t={page.time}" if page.time is not None else ""
        print(f"page {k} of {n}: step {page.step + 1}{at}", flush=True)

    # Asked to stop (File > Export lesson as slides… when the window closes): stop at the next
    # wait, so the unfinished file is removed, and exit 2 with a line saying so.
    previous = signal.signal(signal.SIGTERM, lambda *_: rendering.request_stop())
    try:
        count = _render(args, lesson.name, out, folder, QSize(width, height), progress)
    finally:
        signal.signal(signal.SIGTERM, previous)
    what = f"{count} PNGs" if folder else f"{count} pages"
    print(f"wrote {out} ({what}, {width} x {height})")
    return 0


def _render(
    args: argparse.Namespace, name: str, out: Path, folder: bool, size: Any, progress: Any
) -> int:
    """Draw the pages and write them; the number of pages."""
    from padviz.gui.lecture import rendering

    with rendering.offscreen_window() as window:
        window.lecture.set_theme(THEMES[args.theme])
        images = rendering.render_lesson(window, args.lesson, size, progress)
        if not folder:
            return rendering.write_pdf(images, out, size)
        out.mkdir(exist_ok=True)
        count = 0
        for count, image in enumerate(images, start=1):
            rendering.write_png(image, out / f"{name}-{count:02d}.png")
        return count
