"""`padviz screenshot`: render the main window offscreen to a PNG (slides, the README, tests)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

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


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"--out {args.out!r}: the screenshot is a PNG, name it FILE.png")
    if not out.parent.is_dir():
        raise ValueError(f"--out {args.out!r}: folder {str(out.parent)!r} does not exist")
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from padviz.core.batch import load_preset

    batch = load_preset(args.preset) if args.preset else None  # bad names fail before Qt starts

    from PySide6.QtWidgets import QApplication

    from padviz.gui.app import dispose
    from padviz.gui.main_window import MainWindow

    if QApplication.instance() is None:
        QApplication(sys.argv[:1])
    window = MainWindow()
    try:
        if batch is not None:
            window.state.set_batch(batch, edited=False)
        image = grab_window(window, args.width, args.height)
        if not image.save(str(out), "PNG"):
            raise OSError(f"cannot write {out}")
    finally:
        dispose(window)
    print(f"wrote {out} ({image.width()} x {image.height()})")
    return 0


def grab_window(window, width: int, height: int):
    """Show the window at this size, let it lay out and paint, and return its picture."""
    from PySide6.QtWidgets import QApplication

    window.resize(width, height)
    window.show()
    for _ in range(3):
        QApplication.processEvents()
    return window.grab().toImage()
