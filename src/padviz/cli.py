"""The `padviz` command line: the app by default, and headless subcommands for scripting.

Each subcommand lives in its own module under padviz.commands, exposing
`add_parser(subparsers)` and `run(args) -> int`. Heavy imports (torch, Qt) happen inside
`run`, so `padviz --help` is instant.

Bad input (a PadvizError, argparse's complaints included) is one line on stderr, exit 2. Any
other exception is a bug: it is not caught here, so Python prints its traceback and exits 1.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from padviz.core.errors import PadvizError
from padviz.memory_pages import small_pages_for_numpy

COMMANDS = (
    "gui",
    "layout",
    "pack",
    "train",
    "bench",
    "corpus",
    "screenshot",
    "slides",
    "lessons",
    "mistakes",
    "worker",
)


class UsageError(PadvizError):
    """Bad arguments (a flag, or a file named on the command line): one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports errors as a single line (no usage dump) with exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> Parser:
    parser = Parser(prog="padviz", description=__doc__.splitlines()[0])
    from padviz.commands import gui as gui_cmd

    gui_cmd.add_app_options(parser)
    sub = parser.add_subparsers(dest="command", parser_class=Parser)
    for name in COMMANDS:
        importlib.import_module(f"padviz.commands.{name}").add_parser(sub)
    return parser


def with_gui_for_a_file(argv: Sequence[str]) -> list[str]:
    """`padviz [app options] FILE` means `padviz [app options] gui FILE`: a first word that is
    neither an option nor a command, and names a file, is a file to open."""
    argv = list(argv)
    i = _first_word(argv)
    if i < len(argv) and argv[i] not in COMMANDS and _names_a_file(argv[i]):
        argv.insert(i, "gui")
    return argv


def opens_the_app(argv: Sequence[str]) -> bool:
    """Whether these arguments (after `with_gui_for_a_file`) open the app: no command, or `gui`."""
    i = _first_word(argv)
    return i >= len(argv) or argv[i] == "gui"


def _first_word(argv: Sequence[str]) -> int:
    """The index of the first word after the app options (len(argv) if there is none)."""
    from padviz.commands.gui import VALUED_APP_OPTIONS

    i = 0
    while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
        i += 2 if argv[i] in VALUED_APP_OPTIONS else 1
    return i


def _names_a_file(word: str) -> bool:
    """A file, not a mistyped command: it exists, or it looks like a path."""
    return os.path.exists(word) or word.endswith(".json") or os.sep in word


def main(argv: Sequence[str] | None = None) -> int:
    try:
        words = with_gui_for_a_file(sys.argv[1:] if argv is None else argv)
        if opens_the_app(words):
            small_pages_for_numpy()  # before building the parser, which imports numpy
        args = build_parser().parse_args(words)
        name = args.command or "gui"
        return int(importlib.import_module(f"padviz.commands.{name}").run(args) or 0)
    except BrokenPipeError:
        # The reader went away (`padviz layout ... | head`): not an error worth a message.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps interpreter exit quiet
        return 0
    except PadvizError as exc:  # bad input; anything else is a bug and keeps its traceback
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
