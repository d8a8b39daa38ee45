"""`padviz bench`: what padding costs on this machine, padded vs packed vs bucketed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from padviz.core.bench import BenchConfig, BenchResult, BenchRow

SIZE_OPTIONS = ("hidden", "batch_size", "max_len", "buckets", "reps", "warmup", "seed",
                "threads")


def _int_at_least(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="time padded, packed and length-bucketed LSTM steps at several pad ratios",
        description="Time one LSTM training step (forward, masked loss, backward, SGD update) "
        "for a padded, a packed and a length-bucketed batch at several pad ratios, "
        "and say which pays off on this device. Sizes default to the full run; --quick keeps "
        "them and measures fewer ratios with fewer repetitions.",
    )
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto",
                   help="auto: cuda if available, else mps, else cpu (default: auto)")
    p.add_argument("--quick", action="store_true",
                   help="6 pad ratios, 5 repetitions: under a minute on a 2-core CPU")
    p.add_argument("--json", action="store_true",
                   help="print one JSON object on stdout instead of the table")
    positive, non_negative = _int_at_least(1), _int_at_least(0)
    p.add_argument("--hidden", type=positive, metavar="H", help="LSTM hidden size (128)")
    p.add_argument("--batch-size", type=positive, metavar="B", help="sequences per batch (32)")
    p.add_argument("--max-len", type=positive, metavar="T",
                   help="longest sequence = padded width (100)")
    p.add_argument("--buckets", type=positive, metavar="K",
                   help="length buckets the batch is split into (4)")
    p.add_argument("--reps", type=positive, metavar="N",
                   help="timed repetitions per strategy and ratio (15; --quick: 5)")
    p.add_argument("--warmup", type=non_negative, metavar="N",
                   help="untimed warm-up steps per strategy and ratio (3; --quick: 2)")
    p.add_argument("--seed", type=int, help="seed for weights, lengths and data (0)")
    p.add_argument("--threads", type=positive, metavar="N",
                   help="CPU threads for torch (default: torch's choice)")


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    from padviz.core.bench import BenchConfig

    overrides = {name: getattr(args, name) for name in SIZE_OPTIONS
                 if getattr(args, name) is not None}
    overrides["device"] = args.device
    return BenchConfig.quick(**overrides) if args.quick else BenchConfig(**overrides)


class ProgressBar:
    """A one-line bar redrawn in place on a stream (stderr), only when it visibly changes."""

    def __init__(self, stream: TextIO, rows: int, width: int = 30) -> None:
        self.stream, self.rows, self.width = stream, rows, width
        self.rows_done = 0
        self.shown: tuple[int, int] | None = None

    def __call__(self, row: BenchRow | None, fraction: float) -> None:
        if row is not None:
            self.rows_done += 1
        state = (round(fraction * 100), self.rows_done)
        if state == self.shown:
            return
        self.shown = state
        filled = round(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\rbench [{bar}] {state[0]:3d}%  "
                          f"{self.rows_done}/{self.rows} pad ratios")
        self.stream.flush()

    def close(self) -> None:
        if self.shown is not None:
            self.stream.write("\n")
            self.stream.flush()


COLUMNS = (("target", 6), ("pad", 5), ("padded ms", 16), ("packed ms", 16), ("bucketed ms", 16),
           ("packed/padded", 13), ("bucketed/padded", 15), ("ideal", 6))


def format_table(result: BenchResult) -> str:
    """The setup, one line per pad ratio (median +- IQR in ms) and the recommendation."""
    import torch

    c = result.config
    setup = (f"device: {result.device_name}, torch {torch.__version__}; LSTM hidden {c.hidden}, "
             f"batch {c.batch_size}, max len {c.max_len}, {c.features} features, "
             f"{c.buckets} buckets; median +- IQR of {c.reps} steps after {c.warmup} warm-up")
    lines = [setup, " ".join(f"{name:>{width}}" for name, width in COLUMNS)]
    for row in result.rows:
        timings = [f"{row.timings[s].median_ms:.2f} +-{row.timings[s].iqr_ms:5.2f}"
                   for s in ("padded", "packed", "bucketed")]
        cells = [f"{row.target_pad_ratio:.2f}", f"{row.pad_ratio:.2f}", *timings,
                 f"{row.packed_over_padded:.2f}", f"{row.bucketed_over_padded:.2f}",
                 f"{row.ideal:.2f}"]
        lines.append(" ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, COLUMNS)))
    lines.append(result.recommendation)
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from padviz.core.bench import measure

    config = config_from_args(args)
    config.validate()
    bar = ProgressBar(sys.stderr, len(config.pad_ratios))
    try:
        result = measure(config, progress=bar)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print(format_table(result))
    return 0
