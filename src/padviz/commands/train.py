"""`padviz train`: train one run headless, draw progress on stderr, write one CSV row per step."""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from padviz.commands.corpus_flags import add_corpus_flags, corpus_spec, with_read_progress
from padviz.commands.remote_run import add_remote_flags, remote_from_args, train_remotely
from padviz.commands.status_line import StatusLine
from padviz.core.devices import DEVICE_METAVAR
from padviz.core.errors import PadvizError
from padviz.core.options import CELL_NAMES, MODEL_NAMES

if TYPE_CHECKING:
    from padviz.core.training import StepRecord, TrainConfig

MODES_HELP = "padded-unmasked|padded-masked|packed (lstm), padded|packed-rows|packed-rows-unmasked"
BAR_WIDTH = 24
REDRAW_S = 0.1


class CsvPathError(PadvizError):
    """The --csv file cannot be written."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="train a recurrent network headless and write its curves to CSV",
        description="Train one run (a mode) on a synthetic task, or a language model on a "
        "corpus (--task next-token --corpus FILE or --builtin stdlib-docs), and write one CSV "
        "row per step with every loss variant, the accuracy and the speed.",
    )
    p.add_argument("--list-tasks", action="store_true", help="print the task names and exit")
    p.add_argument("--task", metavar="NAME", help="the task (default: the first listed)")
    add_corpus_flags(p, "the next-token task's text (implies --task next-token)")
    p.add_argument("--mode", metavar=MODES_HELP, help="how padding is handled (required)")
    p.add_argument("--steps", type=int, metavar="N", help="number of steps (required)")
    p.add_argument("--csv", metavar="PATH", help="where to write the per-step CSV (required)")
    p.add_argument("--device", default="auto", metavar=DEVICE_METAVAR, help="(default: auto)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="(default: 0)")
    p.add_argument("--batch-size", type=int, metavar="B", help="sequences per batch (default: 32)")
    p.add_argument("--hidden", type=int, metavar="H", help="hidden size (default: 64)")
    p.add_argument("--embed", type=int, metavar="E", help="embedding size (default: 32)")
    p.add_argument("--layers", type=int, metavar="L", help="recurrent layers (default: 1)")
    p.add_argument(
        "--bidirectional", action="store_true", default=None, help="a bidirectional network"
    )
    p.add_argument(
        "--cell", choices=CELL_NAMES, help="the recurrent cell: lstm, gru or rnn (default: lstm)"
    )
    p.add_argument(
        "--model",
        choices=MODEL_NAMES,
        help="lstm: the recurrent network (--cell); transformer: a tiny causal transformer "
        "language model, --embed wide, --hidden its MLP, --layers blocks (default: lstm)",
    )
    p.add_argument(
        "--heads", type=int, metavar="N", help="transformer attention heads (default: 2)"
    )
    p.add_argument(
        "--positions",
        metavar="learned|sinusoidal",
        help="transformer position embedding (default: learned)",
    )
    p.add_argument(
        "--row-length",
        type=int,
        metavar="N",
        help="packed-rows modes: the row length, at least --max-len (default: --max-len)",
    )
    p.add_argument(
        "--algorithm", metavar="greedy|ffd", help="packed-rows modes: row packing (default: greedy)"
    )
    p.add_argument("--optimizer", metavar="adam|sgd", help="(default: adam)")
    p.add_argument("--lr", type=float, metavar="LR", help="learning rate (default: 0.003)")
    p.add_argument("--min-len", type=int, metavar="N", help="shortest sequence (default: 1)")
    p.add_argument("--max-len", type=int, metavar="N", help="longest sequence (default: 20)")
    p.add_argument(
        "--length-distribution",
        metavar="uniform|normal|lognormal|fixed",
        help="how lengths are drawn (default: uniform)",
    )
    p.add_argument("--threads", dest="num_threads", type=int, metavar="N", help="torch CPU threads")
    add_remote_flags(p)


# options that, when given, override the TrainConfig field of the same name
_CONFIG_OPTIONS = (
    "task",
    "batch_size",
    "hidden",
    "embed",
    "layers",
    "bidirectional",
    "cell",
    "model",
    "heads",
    "positions",
    "row_length",
    "algorithm",
    "optimizer",
    "lr",
    "min_len",
    "max_len",
    "length_distribution",
    "num_threads",
)


def run(args: argparse.Namespace) -> int:
    from padviz.cli import UsageError
    from padviz.core.next_token import next_token_task
    from padviz.core.tasks import NEXT_TOKEN, all_task_names
    from padviz.core.training import (
        RECORD_FIELDS,
        DeviceOutOfMemoryError,
        TrainConfig,
        Trainer,
    )

    if args.list_tasks:
        print("\n".join(all_task_names()))
        return 0
    missing = [f"--{name}" for name in ("mode", "steps", "csv") if getattr(args, name) is None]
    if missing:
        raise UsageError(f"padviz train: {', '.join(missing)} required (or --list-tasks)")
    chosen = {name: getattr(args, name) for name in _CONFIG_OPTIONS}
    chosen = {name: value for name, value in chosen.items() if value is not None}
    corpus = corpus_spec(args)
    if corpus is not None:
        chosen = {"task": NEXT_TOKEN, **chosen, "corpus": corpus}
    config = TrainConfig(
        mode=args.mode, steps=args.steps, device=args.device, seed=args.seed, **chosen
    ).validate()
    remote = remote_from_args(args)
    if remote is not None:  # the remote reads the corpus (a file: at that path there)
        return train_remotely(config, remote, args.csv)
    if corpus is not None:  # read it with a progress line; the trainer reuses the read
        with_read_progress(corpus, partial(next_token_task, corpus))
    trainer = Trainer(config)
    progress = Progress(config, sys.stderr)
    with CsvFile(args.csv, RECORD_FIELDS) as out:
        try:
            for record in trainer:
                out.write(record.to_dict())
                progress.update(record)
        except DeviceOutOfMemoryError as exc:  # not bad input: exit 1, but still one line
            progress.finish()
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:  # end the bar's line, also before an error message
            progress.finish()
    return 0


class CsvFile:
    """The --csv file, header first and flushed at once, so a file that cannot be written
    (a full disk) is said before any training: failing to open, write or close it is a
    CsvPathError naming the path."""

    def __init__(self, path: str, fields: Sequence[str]) -> None:
        self.path = path
        with self._named():
            self.file = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115 - closed in close()
            self.writer = csv.DictWriter(self.file, fieldnames=fields)
            self.writer.writeheader()
            self.file.flush()

    def write(self, row: dict[str, Any]) -> None:
        with self._named():
            self.writer.writerow(row)

    def close(self) -> None:
        with self._named():
            self.file.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.close()
            return
        with suppress(OSError):  # the error already on its way (maybe a bug) stays in front
            self.file.close()

    @contextmanager
    def _named(self) -> Iterator[None]:
        try:
            yield
        except OSError as exc:
            raise CsvPathError(f"cannot write --csv {self.path}: {exc.strerror or exc}") from None


class Progress:
    """A one-line progress bar, redrawn at most every REDRAW_S seconds."""

    def __init__(self, config: TrainConfig, stream: TextIO) -> None:
        self.line = StatusLine(stream)
        self.total = config.steps
        self.label = f"{config.task} {config.mode}"
        self.started = time.perf_counter()
        self.drawn_at = float("-inf")
        self.last: StepRecord | None = None

    def update(self, record: StepRecord) -> None:
        self.last = record
        now = time.perf_counter()
        if now - self.drawn_at >= REDRAW_S:
            self.drawn_at = now
            self._draw(record, now)

    def finish(self) -> None:
        """Draw the last state and end the line (once; later calls do nothing)."""
        if self.last is not None:
            self._draw(self.last, time.perf_counter())
            self.line.end()
            self.last = None

    def _draw(self, r: StepRecord, now: float) -> None:
        filled = BAR_WIDTH * r.step // self.total
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        rate = r.step / max(now - self.started, 1e-9)
        self.line.show(
            f"{self.label} [{bar}] {r.step}/{self.total} masked {r.masked_loss:.4f} "
            f"unmasked {r.unmasked_loss:.4f} acc {r.accuracy:.3f} {rate:.0f} steps/s "
            f"on {r.device}"
        )
