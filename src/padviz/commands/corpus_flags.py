"""`--corpus FILE` and `--builtin NAME`, shared by `padviz train` and `padviz bench`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def add_corpus_flags(p: argparse.ArgumentParser, use: str) -> None:
    """The two flags; `use` says what the corpus is for, in the help."""
    from padviz.core.corpus import BUILTINS

    p.add_argument(
        "--corpus",
        metavar="FILE",
        help=f"{use}: a .txt (a sequence per line), .jsonl or .csv (field or column 'text'), "
        "read as words",
    )
    p.add_argument(
        "--builtin",
        choices=BUILTINS,
        help=f"{use}: a corpus that needs no file (this Python's standard-library docstrings)",
    )


def corpus_spec(args: argparse.Namespace) -> str | None:
    """The corpus spec (padviz.core.corpus_source) that --corpus or --builtin names, if any."""
    from padviz.cli import UsageError
    from padviz.core.corpus_source import builtin_spec

    if args.corpus is not None and args.builtin is not None:
        raise UsageError(f"padviz {args.command}: give --corpus FILE or --builtin, not both")
    if args.builtin is not None:
        return builtin_spec(args.builtin)
    return args.corpus


class ReadLine:
    """'reading SPEC: 42% (...)' on stderr while a corpus is read; the line ends when the read
    is done (or at close()), so what is printed next starts on a line of its own. A read that
    is over at its first report (a small file, a cached built-in corpus) shows nothing."""

    def __init__(self, spec: str) -> None:
        from padviz.commands.corpus import ReadProgress
        from padviz.core.corpus_source import BUILTIN_PREFIX

        unit = "source files" if spec.startswith(BUILTIN_PREFIX) else "bytes"
        self.line = ReadProgress(sys.stderr, spec, unit)
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        self.shown = self.shown or done < total
        if self.shown:
            self.line(done, total)
        if done >= total:
            self.line.close()

    def close(self) -> None:
        self.line.close()


def with_read_progress(spec: str, read: Callable[[ReadLine], T]) -> T:
    """`read(progress)` with a ReadLine for the corpus `spec`."""
    line = ReadLine(spec)
    try:
        return read(line)
    finally:
        line.close()
