"""`padviz` / `padviz gui`: open the app."""

from __future__ import annotations

import argparse


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
    p = sub.add_parser("gui", help="open the app (the default)")
    add_app_options(p, after_gui=True)


def run(args: argparse.Namespace) -> int:
    if args.lesson is not None:
        # A bad lesson is a bad argument: refuse it before any window opens.
        from padviz.core.lessons import load_lesson

        load_lesson(args.lesson)
    from padviz.gui.app import run_app

    return run_app(args)
