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

COMMANDS = ("gui", "layout", "train", "bench", "screenshot", "lessons")


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


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
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
