"""`padviz bench`: what padding costs on this machine, padded vs packed vs bucketed."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

from padviz.commands.arg_types import whole_number_arg
from padviz.commands.corpus_flags import ReadLine, add_corpus_flags, corpus_spec
from padviz.commands.remote_run import (
    RemoteRunError,
    add_remote_flags,
    bench_remotely,
    remote_from_args,
)
from padviz.commands.status_line import StatusLine
from padviz.core.devices import DEVICE_METAVAR
from padviz.core.options import CELL_NAMES

if TYPE_CHECKING:
    from padviz.core.bench import BenchConfig

SIZE_OPTIONS = (
    "cell",
    "hidden",
    "batch_size",
    "max_len",
    "buckets",
    "reps",
    "warmup",
    "seed",
    "threads",
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bench",
        help="time recurrent training on padded, packed and length-bucketed batches at several "
        "pad ratios",
        description="For each pad ratio, draw a pool of B x K sequences and time training "
        "(an LSTM, GRU or RNN) on it (one step per batch: forward, masked loss, backward, "
        "SGD update) three ways: "
        "padded (K random batches, each padded to T, as a fixed-shape pipeline does), packed "
        "(the same batches, packed) and bucketed (the pool sorted by length and cut into K "
        "batches, each padded to its own longest); then say which pays off on this device. "
        "--quick keeps the model and batch size and measures fewer ratios, repetitions and "
        "batches per pool. With --corpus FILE or --builtin, one pool is drawn from that "
        "corpus's real lengths (clipped to T) instead of the pad ratios.",
    )
    p.add_argument(
        "--device",
        default="auto",
        metavar=DEVICE_METAVAR,
        help="auto: cuda if available, else mps, else cpu (default: auto)",
    )
    p.add_argument(
        "--quick",
        action="store_true",
        help="6 pad ratios, 5 repetitions, 4 batches per pool: under a minute on a 2-core CPU",
    )
    p.add_argument(
        "--json", action="store_true", help="print one JSON object on stdout instead of the table"
    )
    add_corpus_flags(p, "time a pool of this corpus's lengths instead of the pad ratios")
    positive, non_negative = whole_number_arg(1), whole_number_arg(0)
    p.add_argument("--hidden", type=positive, metavar="H", help="hidden size (128)")
    p.add_argument("--cell", choices=CELL_NAMES, help="the recurrent cell (lstm)")
    p.add_argument("--batch-size", type=positive, metavar="B", help="sequences per batch (32)")
    p.add_argument(
        "--max-len",
        type=positive,
        metavar="T",
        help="longest possible sequence = the padded width (100)",
    )
    p.add_argument(
        "--buckets",
        type=positive,
        metavar="K",
        help="batches per pool = length buckets (8; --quick: 4)",
    )
    p.add_argument(
        "--reps",
        type=positive,
        metavar="N",
        help="timed pools per strategy and ratio (10; --quick: 5)",
    )
    p.add_argument(
        "--warmup",
        type=non_negative,
        metavar="N",
        help="untimed warm-up pools per strategy and ratio (2; --quick: 1)",
    )
    p.add_argument(
        "--seed", type=non_negative, metavar="S", help="seed for weights, lengths and data (0)"
    )
    p.add_argument(
        "--threads",
        type=positive,
        metavar="N",
        help="CPU threads for torch (default: torch's choice)",
    )
    add_remote_flags(p)


def config_from_args(args: argparse.Namespace) -> BenchConfig:
    from padviz.core.bench import BenchConfig

    overrides = {
        name: getattr(args, name) for name in SIZE_OPTIONS if getattr(args, name) is not None
    }
    overrides["device"] = args.device
    overrides["corpus"] = corpus_spec(args)
    return BenchConfig.quick(**overrides) if args.quick else BenchConfig(**overrides)


class ProgressBar:
    """The bench's progress on a stream (stderr), redrawn only when it visibly changes."""

    def __init__(self, stream: TextIO, rows: int, width: int = 30) -> None:
        self.line = StatusLine(stream)
        self.rows, self.width = rows, width
        self.rows_done = 0
        self.shown: tuple[int, int] | None = None

    def __call__(self, row: object | None, fraction: float) -> None:
        """After each round: `row` (a BenchRow, or its dict from a remote) when one is done."""
        if row is not None:
            self.rows_done += 1
        state = (round(fraction * 100), self.rows_done)
        if state == self.shown:
            return
        self.shown = state
        filled = round(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        self.line.show(f"bench [{bar}] {state[0]:3d}%  {self.rows_done}/{self.rows} pad ratios")

    def close(self) -> None:
        self.line.end()


COLUMNS = (
    ("target", 6),
    ("pad", 5),
    ("padded ms", 16),
    ("packed ms", 16),
    ("bucketed ms", 16),
    ("packed/padded", 13),
    ("bucketed/padded", 15),
    ("ideal", 6),
)


def setup_lines(result: Mapping[str, Any]) -> list[str]:
    """What was measured (BenchResult.to_dict(), here or remote): device, model, pool and how
    each strategy batches it."""
    c = result
    device = (
        f"device: {c['device_name']}, torch {c['torch']}; {c['cell'].upper()} hidden "
        f"{c['hidden']}, {c['features']} features, max len T = {c['max_len']}"
    )
    where = (
        f"drawn from the lengths of {c['corpus']} (clipped to T; target = the whole corpus's "
        "pad ratio at T)"
        if c["corpus"] is not None
        else "per pad ratio"
    )
    pool = (
        f"{where}: a pool of {c['batch_size'] * c['buckets']} sequences = {c['buckets']} "
        f"batches of {c['batch_size']}; ms to train on the whole pool ({c['buckets']} steps), "
        f"median +- IQR of {c['reps']} pools after {c['warmup']} warm-up"
    )
    strategies = (
        f"padded: random batches, each padded to T = {c['max_len']} (fixed shape); "
        "packed: the same batches, packed; bucketed: the pool sorted by length, "
        "each batch padded to its own longest"
    )
    return [device, pool, strategies]


def format_table(result: Mapping[str, Any]) -> str:
    """The setup, one line per pad ratio (median +- IQR in ms) and the recommendation, from
    BenchResult.to_dict()."""
    lines = [*setup_lines(result), " ".join(f"{name:>{width}}" for name, width in COLUMNS)]
    for row in result["rows"]:
        timings = [
            f"{row[f'{s}_ms']:.2f} +-{row[f'{s}_iqr_ms']:5.2f}"
            for s in ("padded", "packed", "bucketed")
        ]
        cells = [
            f"{row['target_pad_ratio']:.2f}",
            f"{row['pad_ratio']:.2f}",
            *timings,
            f"{row['packed_over_padded']:.2f}",
            f"{row['bucketed_over_padded']:.2f}",
            f"{row['ideal']:.2f}",
        ]
        lines.append(
            " ".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, COLUMNS, strict=False))
        )
    lines.append(result["recommendation"])
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from padviz.core.bench import measure

    config = config_from_args(args)
    config.validate()
    remote = remote_from_args(args)
    reading = None if config.corpus is None or remote is not None else ReadLine(config.corpus)
    bar = ProgressBar(sys.stderr, config.row_count)
    try:
        if remote is not None:
            result = bench_remotely(config, remote, bar)
        else:
            result = measure(config, progress=bar, reading=reading).to_dict()
    except RemoteRunError as exc:  # the connection, not the settings: exit 1
        bar.close()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        if reading is not None:
            reading.close()
        bar.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_table(result))
    return 0
