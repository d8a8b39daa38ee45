"""`padviz screenshot`: render the main window offscreen to a PNG (slides, the README, tests)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from padviz.cli import UsageError
from padviz.core.files import replacing

MIN_SIZE, MAX_SIZE = 320, 7680


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of pixels") from None
    if not MIN_SIZE <= value <= MAX_SIZE:
        raise argparse.ArgumentTypeError(f"{value} is outside {MIN_SIZE}..{MAX_SIZE} pixels")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("screenshot", help="render the main window offscreen to a PNG")
    p.add_argument("--out", required=True, metavar="FILE.png", help="where to write the PNG")
    p.add_argument("--preset", metavar="NAME", help="show this preset batch (default: article)")
    p.add_argument("--width", type=_size, default=1600, help="window width in pixels")
    p.add_argument("--height", type=_size, default=1000, help="window height in pixels")
    p.add_argument("--lesson", metavar="NAME", help="show a lesson (a name or a lesson file)")
    p.add_argument("--step", type=int, metavar="K", help="the lesson's step, from 1 (default 1)")
    p.add_argument("--present", action="store_true", help="render in presentation mode")
    p.add_argument(
        "--open", metavar="FILE", help="open this padviz batch, session or lesson file first"
    )


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise UsageError(f"--out {args.out!r}: the screenshot is a PNG, name it FILE.png")
    if not out.parent.is_dir():
        raise UsageError(f"--out {args.out!r}: folder {str(out.parent)!r} does not exist")
    # Rendered offscreen unless told otherwise: a picture needs no display, nor its libraries.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from padviz.core.batch import load_preset

    batch = load_preset(args.preset) if args.preset else None  # bad names fail before Qt starts
    lesson, step = _lesson(args)
    opened = None
    if args.open is not None:  # a bad file fails before Qt starts
        from padviz.core.padviz_files import read_padviz_file

        opened = read_padviz_file(args.open)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from padviz.gui.app import dispose
    from padviz.gui.main_window import MainWindow

    if QApplication.instance() is None:
        QApplication(sys.argv[:1])
    # A screenshot neither depends on nor changes the user's remembered settings.
    settings_dir = tempfile.TemporaryDirectory()
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_dir.name)
    window = MainWindow()
    try:
        if batch is not None:
            window.state.set_batch(batch, edited=False)
        if opened is not None:
            window.open_padviz_file(opened)
        if lesson is not None:
            window.lecture.open_lesson(lesson, step=step - 1)
        window.lecture.start(present=args.present)
        image = grab_window(window, args.width, args.height)
        with replacing(out, error=UsageError) as temporary:
            if not image.save(temporary, "PNG"):
                raise UsageError(f"--out {args.out!r}: cannot write a PNG there")
    finally:
        dispose(window)
        settings_dir.cleanup()
    note = ""
    if (image.width(), image.height()) != (args.width, args.height):
        note = f"; the window cannot be smaller than {image.width()} x {image.height()}"
    print(f"wrote {out} ({image.width()} x {image.height()}{note})")
    return 0


def _lesson(args: argparse.Namespace) -> tuple[str | None, int]:
    """The lesson and step (from 1) to show, checked before Qt starts."""
    if args.lesson is None:
        if args.step is not None:
            raise UsageError("--step needs --lesson")
        return None, 1
    from padviz.core.lessons import load_lesson

    step = 1 if args.step is None else args.step
    steps = len(load_lesson(args.lesson).steps)
    if not 1 <= step <= steps:
        raise UsageError(f"--step {step}: lesson {args.lesson!r} has steps 1..{steps}")
    return args.lesson, step


def grab_window(window, width: int, height: int):
    """Show the window at this size and return its picture once it shows what it should: the
    explorer's document drawn, a lesson step's training run and its truth view computed."""
    from padviz.gui.lecture.rendering import grab

    return grab(window, width, height)
