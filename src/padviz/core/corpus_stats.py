"""A corpus's length statistics and what each batching strategy wastes on it, vectorised.

The whole corpus is cut into batches of B; each batch is padded to its longest sequence, and
its cells are B' x longest (B' = the batch's size; the last batch of a run may be short):

- random: the corpus shuffled (numpy's default_rng(seed).permutation), consecutive runs of B;
- sorted: sorted by length, descending; consecutive runs of B, each padded to its first;
- bucketed: the corpus sorted by length (ascending, stable) and cut into K buckets of equal
  count (as numpy.array_split: the first n % K buckets hold one more); each bucket shuffled
  (default_rng(seed)) and cut into runs of B, so no batch spans two buckets;
- grouped: the shuffle of `random` cut into megabatches of MEGABATCH x B sequences, each sorted
  by length (descending) and cut into runs of B, as length-grouped samplers do.

With `max_length`, lengths are clipped to it before the waste is computed, and
`truncated_tokens` counts the tokens cut off; `sequences`, `tokens`, `lengths` and the
histogram describe the corpus as read. Percentiles are numpy's default (linear) ones.

Histogram edges are integers, bin i holding lengths edges[i] <= L < edges[i + 1], the last edge
being max + 1: "log" edges are geometrically spaced from min to max + 1 and rounded (repeated
edges merged), so short lengths get narrow bins and the long tail wide ones; "linear" edges
are evenly spaced and rounded the same way.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from padviz.core.batch import PAD_TEXT, Batch, from_lengths
from padviz.core.corpus import Corpus, CorpusError
from padviz.core.limits import (
    MAX_CORPUS_BUCKETS,
    MAX_LENGTH,
    MAX_LINE_BYTES,
    MAX_SEQUENCES,
    MAX_WORD_CHARS,
)
from padviz.core.options import whole_number

STRATEGIES = ("random", "sorted", "bucketed", "grouped")
MEGABATCH = 50  # batches per megabatch of the grouped strategy
EDGES = ("log", "linear")
HISTOGRAM_BINS = 20
PICKS = ("random", "longest", "bucket")
MAX_SEED = 2**63 - 1
LOW_WASTE = 0.10  # random batches wasting less than this need no length grouping
LONG_TAIL = 4  # the longest sequence this many times p99 is worth a --max-length


@dataclass(frozen=True)
class Waste:
    name: str
    batches: int
    pad_cells: int
    total_cells: int

    @property
    def pad_ratio(self) -> float:
        return self.pad_cells / self.total_cells


@dataclass(frozen=True)
class CorpusStats:
    sequences: int
    tokens: int
    lengths: dict[str, float]  # min, p50, p90, p99, max, mean
    edges: np.ndarray
    counts: np.ndarray
    strategies: tuple[Waste, ...]
    truncated_tokens: int
    recommendation: str
    batch_size: int
    buckets: int
    max_length: int | None

    def strategy(self, name: str) -> Waste:
        return next(w for w in self.strategies if w.name == name)

    def to_json(self) -> dict[str, Any]:
        """The `padviz corpus --json` object: exactly the keys of the CLI contract."""
        return {
            "sequences": self.sequences,
            "tokens": self.tokens,
            "lengths": self.lengths,
            "histogram": {"edges": self.edges.tolist(), "counts": self.counts.tolist()},
            "strategies": [
                {
                    "name": w.name,
                    "batches": w.batches,
                    "pad_cells": w.pad_cells,
                    "total_cells": w.total_cells,
                    "pad_ratio": w.pad_ratio,
                }
                for w in self.strategies
            ],
            "truncated_tokens": self.truncated_tokens,
            "recommendation": self.recommendation,
        }


def corpus_stats(
    lengths: np.ndarray,
    *,
    batch_size: int = 32,
    buckets: int = 8,
    max_length: int | None = None,
    seed: int = 0,
    edges: str = "log",
) -> CorpusStats:
    """Statistics of these lengths (each >= 1) and the waste of every strategy."""
    B = _whole("batch size", batch_size, 1, MAX_SEQUENCES)
    K = _whole("buckets", buckets, 1, MAX_CORPUS_BUCKETS)
    seed = _whole("seed", seed, 0, MAX_SEED)
    cap = whole_number(
        "max length", max_length, low=1, high=MAX_LINE_BYTES, error=CorpusError, none=True
    )
    if edges not in EDGES:
        raise CorpusError(f"histogram edges {edges!r} must be log or linear")
    raw = np.asarray(lengths, np.int64)
    if raw.ndim != 1 or not raw.size or raw.min() < 1:
        raise CorpusError("a corpus needs at least one sequence, each at least 1 token long")
    clipped = raw if cap is None else np.minimum(raw, cap)
    p50, p90, p99 = np.percentile(raw, [50, 90, 99]).tolist()
    summary = {
        "min": int(raw.min()),
        "p50": p50,
        "p90": p90,
        "p99": p99,
        "max": int(raw.max()),
        "mean": float(raw.mean()),
    }
    bin_edges, counts = histogram(raw, edges)
    shuffled = clipped[np.random.default_rng(seed).permutation(raw.size)]
    strategies = (
        _waste("random", shuffled, B),
        _waste("sorted", np.sort(clipped)[::-1], B),
        _bucketed(clipped, B, K, seed),
        _grouped(shuffled, B),
    )
    tokens = int(raw.sum())
    truncated = tokens - int(clipped.sum())
    return CorpusStats(
        sequences=int(raw.size),
        tokens=tokens,
        lengths=summary,
        edges=bin_edges,
        counts=counts,
        strategies=strategies,
        truncated_tokens=truncated,
        recommendation=recommend(raw, strategies, B, cap),
        batch_size=B,
        buckets=min(K, raw.size),
        max_length=cap,
    )


def histogram(lengths: np.ndarray, edges: str = "log") -> tuple[np.ndarray, np.ndarray]:
    """(integer edges, counts): see the module's docstring."""
    lo, hi = int(lengths.min()), int(lengths.max()) + 1
    spaced = np.geomspace if edges == "log" else np.linspace
    bin_edges = np.unique(np.rint(spaced(lo, hi, HISTOGRAM_BINS + 1)).astype(np.int64))
    counts = np.histogram(lengths, bin_edges)[0].astype(np.int64)
    return bin_edges, counts


def bucket_bounds(n: int, buckets: int) -> np.ndarray:
    """Where each of min(buckets, n) equal-count buckets starts in the sorted corpus, then n."""
    k = min(buckets, n)
    q, r = divmod(n, k)
    sizes = np.full(k, q, np.int64)
    sizes[:r] += 1
    return np.concatenate(([0], np.cumsum(sizes)))


def _waste(name: str, ordered: np.ndarray, B: int, starts: np.ndarray | None = None) -> Waste:
    """Batches starting at `starts` (default: every B) of lengths in batch order."""
    if starts is None:
        starts = np.arange(0, ordered.size, B)
    longest = np.maximum.reduceat(ordered, starts)
    sizes = np.diff(np.append(starts, ordered.size))
    total = int((longest * sizes).sum())
    return Waste(name, int(starts.size), total - int(ordered.sum()), total)


def _bucketed(lengths: np.ndarray, B: int, K: int, seed: int) -> Waste:
    ascending = np.sort(lengths)
    bounds = bucket_bounds(lengths.size, K)
    sizes = np.diff(bounds)
    bucket = np.repeat(np.arange(sizes.size, dtype=np.int16), sizes)
    # each bucket shuffled: a shuffle of the whole, stably regrouped by bucket (a radix sort)
    shuffle = np.random.default_rng(seed).permutation(lengths.size)
    ordered = ascending[shuffle[np.argsort(bucket[shuffle], kind="stable")]]
    per_bucket = -(-sizes // B)  # batches in each bucket
    first = np.repeat(np.cumsum(per_bucket) - per_bucket, per_bucket)
    starts = np.repeat(bounds[:-1], per_bucket) + (np.arange(per_bucket.sum()) - first) * B
    return _waste("bucketed", ordered, B, starts)


def _grouped(shuffled: np.ndarray, B: int) -> Waste:
    size = MEGABATCH * B
    whole = shuffled.size - shuffled.size % size
    grouped = np.concatenate(
        (
            np.sort(shuffled[:whole].reshape(-1, size), axis=1)[:, ::-1].ravel(),
            np.sort(shuffled[whole:])[::-1],
        )
    )
    return _waste("grouped", grouped, B)


def recommend(
    lengths: np.ndarray, strategies: tuple[Waste, ...], B: int, max_length: int | None
) -> str:
    """One line: whether to batch by length, and whether a long tail asks for a max length."""
    waste = {w.name: w.pad_ratio for w in strategies}
    random = waste["random"]
    if random < LOW_WASTE:
        line = f"random batches of {B} waste only {random:.1%}: batching by length gains little"
    else:
        best = min(("grouped", "bucketed"), key=waste.__getitem__)
        line = (
            f"batch by length: {best} batches of {B} waste {waste[best]:.1%} of their cells, "
            f"random ones {random:.1%} (sorted: {waste['sorted']:.1%})"
        )
    p99 = max(int(np.percentile(lengths, 99)), 1)
    longest = int(lengths.max())
    if max_length is None and longest >= LONG_TAIL * p99:
        cut = int(np.maximum(lengths - p99, 0).sum()) / int(lengths.sum())
        line += (
            f"; the longest sequence is {longest / p99:.0f}x p99: a max length of {p99} "
            f"would cut {cut:.1%} of the tokens"
        )
    return line


def pick_batch(
    corpus: Corpus,
    how: str = "random",
    *,
    batch_size: int = 32,
    seed: int = 0,
    bucket: int = 0,
    buckets: int = 8,
    max_length: int = MAX_LENGTH,
) -> Batch:
    """A batch of the corpus for the explorer: `random` (B sequences drawn without
    replacement), `longest` (the B longest, longest first) or `bucket` (B drawn from bucket
    `bucket` of `buckets`, 0 the shortest, as `bucketed` defines them). Sequences are cut to
    `max_length`. With the token ids kept, the batch holds the real tokens (renumbered 1..V,
    the vocabulary giving each one's text); without, ids made up for the lengths."""
    B = _whole("batch size", batch_size, 1, MAX_SEQUENCES)
    seed = _whole("seed", seed, 0, MAX_SEED)
    cap = _whole("max length", max_length, 1, MAX_LENGTH)
    lengths = corpus.lengths
    n = lengths.size
    rng = np.random.default_rng(seed)
    if how == "random":
        index = rng.choice(n, min(B, n), replace=False)
    elif how == "longest":
        index = np.argsort(-lengths, kind="stable")[:B]
    elif how == "bucket":
        bounds = bucket_bounds(n, _whole("buckets", buckets, 1, MAX_CORPUS_BUCKETS))
        k = _whole("bucket", bucket, 0, bounds.size - 2)
        members = np.argsort(lengths, kind="stable")[bounds[k] : bounds[k + 1]]
        index = rng.choice(members, min(B, members.size), replace=False)
    else:
        raise CorpusError(f"unknown pick {how!r} (choose from {', '.join(PICKS)})")
    name = f"{Path(corpus.name).name[:100]}: {how} batch"
    if corpus.ids is None:
        return from_lengths(np.minimum(lengths[index], cap).tolist(), seed=seed, name=name)
    rows = [corpus.sequence(int(i))[:cap] for i in index]
    distinct, renumbered = np.unique(np.concatenate(rows), return_inverse=True)
    bounds = np.cumsum([0, *(r.size for r in rows)]).tolist()
    flat = (renumbered + 1).tolist()
    sequences = tuple(tuple(flat[a:b]) for a, b in itertools.pairwise(bounds))
    vocab = (PAD_TEXT, *(_word(corpus.token_text(int(t))) for t in distinct))
    batch = Batch(sequences=sequences, vocab=vocab, name=name)
    batch.validate()
    return batch


def _word(text: str) -> str:
    return text if len(text) <= MAX_WORD_CHARS else text[: MAX_WORD_CHARS - 1] + "…"


def _whole(name: str, value: object, low: int, high: int) -> int:
    number = whole_number(name, value, low=low, high=high, error=CorpusError)
    assert number is not None
    return number
