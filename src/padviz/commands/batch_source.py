"""The batch a command works on: `--lengths`, `--preset` or `--file` (or `--list-presets`),
the same flags and the same checks for every command that takes one."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from padviz.core.batch import Batch

LENGTHS_SEED = 0  # token ids for --lengths batches: from_lengths with this seed


def add_batch_source(parser: argparse.ArgumentParser) -> None:
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--lengths", metavar="L,L,...", help="sequence lengths, e.g. 5,3,7")
    src.add_argument("--preset", metavar="NAME", help="a shipped batch (see --list-presets)")
    src.add_argument("--file", metavar="PATH", help="a padviz-batch JSON file")
    src.add_argument("--list-presets", action="store_true", help="print the preset names")


def batch_from_args(args: argparse.Namespace, command: str) -> Batch | None:
    """The batch the flags name; None after printing the presets for --list-presets."""
    from padviz.cli import UsageError
    from padviz.core import batch as batches

    if args.list_presets:
        print("\n".join(batches.preset_names()))
        return None
    if args.lengths is not None:
        return batches.from_lengths(batches.parse_lengths(args.lengths), seed=LENGTHS_SEED)
    if args.preset is not None:
        return batches.load_preset(args.preset)
    if args.file is not None:
        return batches.load_json(args.file)
    raise UsageError(f"padviz {command}: give --lengths 5,3,7, --preset NAME or --file PATH")
