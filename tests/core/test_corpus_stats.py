"""Corpus statistics and batching waste, against references computed here, batch by batch."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core.corpus import CorpusError
from padviz.core.corpus_stats import MEGABATCH, CorpusStats, corpus_stats, histogram


def padding(batches: list[list[int]]) -> tuple[int, int, int]:
    """(batches, pad cells, total cells) of batches each padded to its longest."""
    total = sum(len(b) * max(b) for b in batches)
    return len(batches), total - sum(map(sum, batches)), total


def runs(values: list[int], B: int) -> list[list[int]]:
    return [values[i : i + B] for i in range(0, len(values), B)]


def reference(lengths: list[int], B: int, seed: int) -> dict[str, tuple[int, int, int]]:
    """Plain Python, one batch at a time, as the module's docstring defines the strategies."""
    shuffled = [lengths[i] for i in np.random.default_rng(seed).permutation(len(lengths))]
    size = MEGABATCH * B
    grouped = [
        batch
        for start in range(0, len(shuffled), size)
        for batch in runs(sorted(shuffled[start : start + size], reverse=True), B)
    ]
    return {
        "random": padding(runs(shuffled, B)),
        "sorted": padding(runs(sorted(lengths, reverse=True), B)),
        "grouped": padding(grouped),
    }


def by_name(stats: CorpusStats) -> dict[str, tuple[int, int, int]]:
    return {w.name: (w.batches, w.pad_cells, w.total_cells) for w in stats.strategies}


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 300), min_size=1, max_size=400),
    B=st.integers(1, 9),
    seed=st.integers(0, 2**32),
)
def test_random_sorted_and_grouped_waste_exactly(lengths: list[int], B: int, seed: int) -> None:
    got = by_name(corpus_stats(np.array(lengths), batch_size=B, seed=seed))
    want = reference(lengths, B, seed)
    assert {name: got[name] for name in want} == want


def test_grouped_megabatches_are_fifty_batches() -> None:
    # 2 x 50 x 4 + 37 sequences: two whole megabatches and a short one
    lengths = np.random.default_rng(5).integers(1, 1000, 2 * MEGABATCH * 4 + 37)
    got = by_name(corpus_stats(lengths, batch_size=4, seed=9))
    assert got["grouped"] == reference(lengths.tolist(), 4, 9)["grouped"]
    assert got["sorted"][2] < got["grouped"][2] < got["random"][2]


def test_bucketed_batches_stay_in_their_bucket() -> None:
    # 5 buckets of 23 sequences each of one length: batches within a bucket pad nothing,
    # and each bucket ends in its own short batch (23 = 2 x 10 + 3)
    lengths = np.repeat([3, 50, 7, 900, 12], 23)
    np.random.default_rng(0).shuffle(lengths)
    bucketed = corpus_stats(lengths, batch_size=10, buckets=5).strategy("bucketed")
    assert (bucketed.batches, bucketed.pad_cells) == (15, 0)
    assert bucketed.total_cells == 23 * (3 + 50 + 7 + 900 + 12)


@settings(max_examples=40, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 60), min_size=1, max_size=300),
    B=st.integers(1, 8),
    K=st.integers(1, 12),
)
def test_bucketed_waste_is_within_each_equal_count_bucket(
    lengths: list[int], B: int, K: int
) -> None:
    bucketed = corpus_stats(np.array(lengths), batch_size=B, buckets=K).strategy("bucketed")
    buckets = [b.tolist() for b in np.array_split(np.sort(lengths), min(K, len(lengths)))]
    assert bucketed.batches == sum(-(-len(b) // B) for b in buckets)
    # whatever the shuffle inside a bucket, its batches pad at most to the bucket's longest
    assert bucketed.total_cells <= sum(len(b) * max(b) for b in buckets)
    assert bucketed.total_cells - bucketed.pad_cells == sum(lengths)


def test_lengths_and_histogram_against_numpy() -> None:
    lengths = np.random.default_rng(2).lognormal(3, 1.2, 5000).astype(np.int64) + 1
    stats = corpus_stats(lengths)
    want = dict(zip(("p50", "p90", "p99"), np.percentile(lengths, [50, 90, 99]), strict=True))
    assert stats.lengths == {
        "min": lengths.min(),
        "max": lengths.max(),
        "mean": pytest.approx(lengths.mean()),
        **want,
    }
    assert (stats.sequences, stats.tokens) == (5000, lengths.sum())
    edges, counts = stats.edges.tolist(), stats.counts.tolist()
    assert edges[0] == lengths.min() and edges[-1] == lengths.max() + 1
    assert all(a < b for a, b in itertools.pairwise(edges))
    assert counts == [
        int(((a <= lengths) & (lengths < b)).sum()) for a, b in itertools.pairwise(edges)
    ]
    widths = np.diff(edges)
    assert widths[-1] > 10 * widths[0]  # log-spaced: the tail gets the wide bins


def test_linear_histogram_and_one_length() -> None:
    edges, counts = histogram(np.array([1, 5, 5, 101]), "linear")
    assert edges.tolist() == [round(e) for e in np.linspace(1, 102, 21)]
    assert counts.tolist() == [3] + [0] * 18 + [1]  # 1, 5, 5 in [1, 6); 101 in [97, 102)
    edges, counts = histogram(np.array([7, 7, 7]))
    assert (edges.tolist(), counts.tolist()) == ([7, 8], [3])


def test_max_length_clips_before_batching() -> None:
    lengths = np.array([100, 3, 3, 3, 40, 2])
    stats = corpus_stats(lengths, batch_size=2, max_length=10)
    assert stats.truncated_tokens == 90 + 30
    assert stats.tokens == lengths.sum() and stats.lengths["max"] == 100  # the corpus as read
    assert by_name(stats)["sorted"] == padding([[10, 10], [3, 3], [3, 2]])


def test_recommendation() -> None:
    same = corpus_stats(np.full(1000, 20) + np.arange(1000) % 2)
    waste = same.strategy("random").pad_ratio
    assert waste < 0.1
    assert same.recommendation.startswith(f"random batches of 32 waste only {waste:.1%}: ")
    tail = np.concatenate((np.random.default_rng(1).integers(5, 40, 5000), [5000]))
    stats = corpus_stats(tail)
    assert stats.recommendation.startswith("batch by length: grouped batches of 32 waste ")
    p99 = int(np.percentile(tail, 99))
    assert f"a max length of {p99} would cut" in stats.recommendation
    assert "max length" not in corpus_stats(tail, max_length=100).recommendation


def test_json_has_exactly_the_contract_keys() -> None:
    data = corpus_stats(np.array([3, 1, 4, 1, 5])).to_json()
    assert set(data) == {
        "sequences",
        "tokens",
        "lengths",
        "histogram",
        "strategies",
        "truncated_tokens",
        "recommendation",
    }
    assert set(data["lengths"]) == {"min", "p50", "p90", "p99", "max", "mean"}
    assert set(data["histogram"]) == {"edges", "counts"}
    assert [s["name"] for s in data["strategies"]] == ["random", "sorted", "bucketed", "grouped"]
    for s in data["strategies"]:
        assert set(s) == {"name", "batches", "pad_cells", "total_cells", "pad_ratio"}
        assert s["pad_ratio"] == s["pad_cells"] / s["total_cells"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"batch_size": 0}, "batch size 0 must be a whole number from 1 to 1024"),
        ({"buckets": 5000}, "buckets 5000 must be a whole number from 1 to 1024"),
        ({"max_length": 0}, "max length 0 must be a whole number"),
        ({"seed": -1}, "seed -1 must be a whole number"),
        ({"edges": "sqrt"}, "histogram edges 'sqrt' must be log or linear"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, object], message: str) -> None:
    with pytest.raises(CorpusError, match=message):
        corpus_stats(np.array([1, 2]), **options)  # type: ignore[arg-type]
    with pytest.raises(CorpusError, match="at least one sequence"):
        corpus_stats(np.array([], np.int64))
