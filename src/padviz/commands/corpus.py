"""`padviz corpus`: a corpus's lengths, histogram and what each batching strategy wastes."""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
from typing import TYPE_CHECKING, TextIO

from padviz.commands.arg_types import whole_number_arg
from padviz.commands.status_line import StatusLine
from padviz.core.limits import MAX_CORPUS_BUCKETS, MAX_LINE_BYTES, MAX_SEQUENCES

if TYPE_CHECKING:
    from padviz.core.corpus import Corpus
    from padviz.core.corpus_stats import CorpusStats

PROGRESS_FROM_BYTES = 16 * 2**20  # smaller files are read before a progress line would help
BAR = 40  # characters of the longest histogram bar


def add_parser(sub: argparse._SubParsersAction) -> None:
    from padviz.core.corpus import BUILTINS, FORMATS, TOKENIZERS
    from padviz.core.corpus_stats import EDGES, MAX_SEED, MEGABATCH

    p = sub.add_parser(
        "corpus",
        help="a corpus's lengths, histogram and the padding waste of each batching strategy",
        description="Read a corpus (one sequence per line of a .txt, per object of a .jsonl, "
        "per row of a .csv), and show its length distribution and how much of each batch is "
        "padding when the whole corpus is cut into batches of B: random (shuffled), sorted "
        "(by length, descending), bucketed (K equal-count length buckets, batches drawn "
        f"within a bucket) and grouped (shuffled megabatches of {MEGABATCH} x B, each sorted "
        "by length). Give FILE or --builtin.",
    )
    p.add_argument("file", nargs="?", metavar="FILE", help="the corpus file")
    p.add_argument(
        "--builtin",
        choices=BUILTINS,
        help="a corpus that needs no file: the docstrings of this Python's standard library",
    )
    p.add_argument(
        "--format", choices=FORMATS, help="the file's format (default: from its suffix, else txt)"
    )
    p.add_argument(
        "--field",
        metavar="NAME",
        help="the jsonl field or csv column holding each sequence (default: text)",
    )
    p.add_argument(
        "--tokenizer",
        choices=TOKENIZERS,
        default="word",
        help="word: whitespace-separated words; char: characters; ids: whitespace-separated "
        "integer token ids, or a jsonl list of them (default: word)",
    )
    p.add_argument(
        "--batch-size",
        type=whole_number_arg(1, MAX_SEQUENCES),
        default=32,
        metavar="B",
        help="sequences per batch (32)",
    )
    p.add_argument(
        "--buckets",
        type=whole_number_arg(1, MAX_CORPUS_BUCKETS),
        default=8,
        metavar="K",
        help="length buckets of the bucketed strategy (8)",
    )
    p.add_argument(
        "--max-length",
        type=whole_number_arg(1, MAX_LINE_BYTES),
        metavar="N",
        help="cut sequences to N tokens before batching (default: no cut)",
    )
    p.add_argument(
        "--seed",
        type=whole_number_arg(0, MAX_SEED),
        default=0,
        metavar="S",
        help="seed of the shuffles (0)",
    )
    p.add_argument(
        "--histogram",
        choices=EDGES,
        default="log",
        help="log: bins widen along the long tail; linear: equal widths (default: log)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")


class ReadProgress:
    """'reading FILE: 42% (1.2 of 2.9 GB)' on stderr, for large files and the built-in corpus."""

    def __init__(self, stream: TextIO, what: str, unit: str) -> None:
        self.line = StatusLine(stream)
        self.what, self.unit = what, unit
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent == self.shown:
            return
        self.shown = percent
        if self.unit == "bytes":
            amount = f"{done / 2**20:,.0f} of {total / 2**20:,.0f} MB"
        else:
            amount = f"{done:,} of {total:,} {self.unit}"
        self.line.show(f"reading {self.what}: {percent:3d}% ({amount})")

    def close(self) -> None:
        self.line.end()


def run(args: argparse.Namespace) -> int:
    from padviz.cli import UsageError
    from padviz.core.corpus import builtin_corpus, read_corpus
    from padviz.core.corpus_stats import corpus_stats

    if (args.file is None) == (args.builtin is None):
        raise UsageError("padviz corpus: give a FILE or --builtin stdlib-docs (one of the two)")
    if args.builtin is not None:
        if args.format is not None or args.field is not None:
            raise UsageError("padviz corpus: --format and --field apply to a FILE, not --builtin")
        progress = ReadProgress(sys.stderr, args.builtin, "source files")
        try:
            corpus = builtin_corpus(args.builtin, tokenizer=args.tokenizer, progress=progress)
        finally:
            progress.close()
    else:
        large = os.path.isfile(args.file) and os.path.getsize(args.file) >= PROGRESS_FROM_BYTES
        progress = ReadProgress(sys.stderr, args.file, "bytes")
        try:
            corpus = read_corpus(
                args.file,
                fmt=args.format,
                field=args.field,
                tokenizer=args.tokenizer,
                progress=progress if large else None,
            )
        finally:
            progress.close()
    stats = corpus_stats(
        corpus.lengths,
        batch_size=args.batch_size,
        buckets=args.buckets,
        max_length=args.max_length,
        seed=args.seed,
        edges=args.histogram,
    )
    if args.json:
        if corpus.empty:
            print(f"note: {empty_note(corpus)}", file=sys.stderr)
        print(json.dumps(stats.to_json()))
    else:
        print(render_text(corpus, stats, args.histogram))
    return 0


def empty_note(corpus: Corpus) -> str:
    lines = "1 line tokenises" if corpus.empty == 1 else f"{corpus.empty:,} lines tokenise"
    return (
        f"{corpus.name}: {lines} to nothing (the first: line {corpus.first_empty}); they are "
        "not sequences and are left out"
    )


def render_text(corpus: Corpus, stats: CorpusStats, edges: str) -> str:
    s = stats.lengths
    out = [
        f"{corpus.name}: {stats.sequences:,} sequences, {stats.tokens:,} tokens "
        f"({corpus.tokenizer} tokenizer)",
        f"lengths: min {s['min']:,}, p50 {s['p50']:,.1f}, p90 {s['p90']:,.1f}, "
        f"p99 {s['p99']:,.1f}, max {s['max']:,}, mean {s['mean']:,.1f}",
    ]
    if corpus.empty:
        out.append(empty_note(corpus))
    out += ["", f"histogram ({edges} length bins; bars: log count):", *_histogram_lines(stats)]
    cut = ""
    if stats.max_length is not None:
        share = stats.truncated_tokens / stats.tokens
        cut = (
            f", cut to {stats.max_length:,} tokens ({stats.truncated_tokens:,} tokens, "
            f"{share:.1%}, cut off)"
        )
    out += ["", f"padding waste, the whole corpus in batches of {stats.batch_size}{cut}:"]
    head = f"{'strategy':<10} {'batches':>11} {'pad cells':>15} {'total cells':>15} {'padding':>8}"
    out.append(head)
    for w in stats.strategies:
        out.append(
            f"{w.name:<10} {w.batches:>11,} {w.pad_cells:>15,} {w.total_cells:>15,} "
            f"{w.pad_ratio:>8.1%}"
        )
    out += ["", f"recommendation: {stats.recommendation}"]
    return "\n".join(out)


def _histogram_lines(stats: CorpusStats) -> list[str]:
    edges, counts = stats.edges.tolist(), stats.counts.tolist()
    spans = [str(a) if b == a + 1 else f"{a}-{b - 1}" for a, b in itertools.pairwise(edges)]
    width = max(map(len, spans))
    top = math.log1p(max(counts))
    return [
        f"{span:>{width}} {count:>11,} {'#' * round(BAR * math.log1p(count) / top)}"
        for span, count in zip(spans, counts, strict=True)
    ]
