"""`padviz`, `padviz FILE` / `padviz gui [FILE]`: open the app, optionally on a padviz file."""

from __future__ import annotations

import argparse

VALUED_APP_OPTIONS = ("--lesson",)  # app options that take a value (`--lesson NAME`)


def add_app_options(parser: argparse.ArgumentParser, *, after_gui: bool = False) -> None:
    """Options that apply to the app whether or not `gui` is named, before or after it. After
    `gui` an option left out must not reset one given before it (`padviz --present gui`), so
    there its default is to set nothing."""
    unset = {"default": argparse.SUPPRESS} if after_gui else {}
    parser.add_argument("--present", action="store_true", help="open in presentation mode", **unset)
    parser.add_argument(
        "--lesson", metavar="NAME", help="open on a lesson (see `padviz lessons`)", **unset
    )
    parser.add_argument(
        "--reset-settings",
        action="store_true",
        help="forget remembered settings, then open",
        **unset,
    )


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the app (the default); `padviz FILE` opens a file")
    add_app_options(p, after_gui=True)
    p.add_argument(
        "file", nargs="?", metavar="FILE", help="a padviz batch, session or lesson file to open"
    )


def run(args: argparse.Namespace) -> int:
    from padviz.display import check_display

    check_display()  # before Qt, which would abort
    # A bad lesson or file is a bad argument: refuse it before any window opens.
    if args.lesson is not None:
        from padviz.core.lessons import load_lesson

        load_lesson(args.lesson)
    opened = None
    if getattr(args, "file", None) is not None:
        from padviz.core.padviz_files import read_padviz_file

        opened = read_padviz_file(args.file)
    from padviz.gui.app import run_app

    return run_app(args, opened)
