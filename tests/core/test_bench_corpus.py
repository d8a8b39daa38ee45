"""The bench on a corpus's real lengths: the pool, the row, the gradient and the verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn.functional import pad

from padviz.core.bench import (
    STRATEGIES,
    BenchConfig,
    BenchError,
    BenchRow,
    Tagger,
    Timing,
    measure,
    step_functions,
)
from padviz.core.bench_pools import Batch, corpus_pool, make_pool
from padviz.core.bench_verdict import recommend_for_corpus
from padviz.core.corpus import CorpusError

TINY = BenchConfig(
    device="cpu", hidden=4, batch_size=4, max_len=12, features=3, buckets=3, warmup=1, reps=2
)
# a long tail: many short lines, a few longer than max_len
LENGTHS = [1, 2, 2, 3, 3, 3, 4, 5, 6, 8, 11, 15, 30, 2, 1, 3]


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    path = tmp_path / "tail.txt"
    path.write_text("".join(" ".join(["w"] * n) + "\n" for n in LENGTHS), encoding="utf-8")
    return path


def test_the_pool_is_drawn_from_the_clipped_lengths() -> None:
    lengths = np.array(LENGTHS)
    clipped = np.minimum(lengths, 12)
    target, drawn = corpus_pool(lengths, 10, 12, np.random.default_rng(0))
    assert target == pytest.approx(1 - clipped.sum() / (len(clipped) * 12))
    assert drawn.dtype == np.int64 and len(drawn) == 10
    assert not Counter(drawn.tolist()) - Counter(clipped.tolist())  # without replacement
    _, everything = corpus_pool(lengths, len(lengths), 12, np.random.default_rng(0))
    assert sorted(everything.tolist()) == sorted(clipped.tolist())
    _, more = corpus_pool(lengths, 100, 12, np.random.default_rng(0))  # more than it has
    assert len(more) == 100 and set(more.tolist()) <= set(clipped.tolist())


def test_measure_times_one_pool_of_the_corpus(corpus_file: Path) -> None:
    config = replace(TINY, corpus=str(corpus_file))
    result = measure(config)
    (row,) = result.rows
    clipped = np.minimum(LENGTHS, 12)
    assert row.target_pad_ratio == pytest.approx(1 - clipped.mean() / 12)
    _, drawn = corpus_pool(np.array(LENGTHS), 12, 12, np.random.default_rng([0, 10_001]))
    assert row.pad_ratio == pytest.approx(1 - drawn.mean() / 12)
    for name in STRATEGIES:
        assert 0 < row.timings[name].min_ms <= row.timings[name].median_ms
    assert result.recommendation.startswith("on cpu (1 thread, ")
    assert f"for {corpus_file} (its lengths clipped to T = 12 leave" in result.recommendation
    d = result.to_dict()
    assert d["corpus"] == str(corpus_file) and d["pad_ratios"] == [row.target_pad_ratio]
    assert [r["pad_ratio"] for r in d["rows"]] == [row.pad_ratio]
    assert measure(TINY, should_stop=lambda: True).to_dict()["corpus"] is None


def test_every_strategy_trains_the_same_gradient_on_corpus_lengths() -> None:
    rng = np.random.default_rng(3)
    _, lengths = corpus_pool(np.array(LENGTHS), 12, 12, rng)
    pool = make_pool(lengths, TINY, rng, torch.device("cpu"))
    torch.manual_seed(0)
    model = Tagger(TINY)
    start = {k: v.clone() for k, v in model.state_dict().items()}
    steps = step_functions(model)

    def gradient(step: str, batch: Batch) -> list[torch.Tensor]:
        model.load_state_dict(start)
        steps[step](batch)
        return [p.grad.clone() for p in model.parameters() if p.grad is not None]

    def same(a: list[torch.Tensor], b: list[torch.Tensor]) -> None:
        for x, y in zip(a, b, strict=True):
            assert torch.allclose(x, y, rtol=1e-4, atol=1e-6), (x - y).abs().max()

    for batch in pool.random_batches:
        same(gradient("packed", batch), gradient("padded", batch))
    for bucket in pool.buckets:
        width = TINY.max_len - bucket.x.shape[1]
        widened = Batch(
            pad(bucket.x, (0, 0, 0, width)),
            pad(bucket.targets, (0, width)),
            pad(bucket.mask, (0, width)),
            bucket.lengths,
        )
        same(gradient("padded", bucket), gradient("padded", widened))


def row(padded: float, packed: float, bucketed: float, iqr: float = 0.0) -> BenchRow:
    def t(ms: float) -> Timing:
        return Timing(ms, ms - iqr / 2, ms + iqr / 2, ms - iqr, ms + iqr)

    return BenchRow(0.5, 0.48, {"padded": t(padded), "packed": t(packed), "bucketed": t(bucketed)})


@pytest.mark.parametrize(
    ("times", "verdict"),
    [
        (
            (10.0, 18.0, 4.0),
            "bucketed is fastest; packed takes 1.80x the padded time, bucketed 0.40x",
        ),
        ((10.0, 5.0, 6.0), "packed is fastest"),
        ((10.0, 9.8, 9.6), "padding every batch to the max length is as fast as any"),
    ],
)
def test_the_corpus_verdict(times: tuple[float, float, float], verdict: str) -> None:
    config = replace(TINY, corpus="builtin:stdlib-docs")
    line = recommend_for_corpus(row(*times), "cpu", config)
    assert line.startswith(
        "on cpu, for builtin:stdlib-docs (its lengths clipped to T = 12 leave 50% of each "
        "batch padded to T as padding): "
    )
    assert verdict in line and "noisy" not in line
    assert "noisy" in recommend_for_corpus(row(*times, iqr=5.0), "cpu", config)


def test_a_bad_corpus_is_named(tmp_path: Path) -> None:
    with pytest.raises(BenchError, match="unknown built-in corpus 'builtin:wiki' for corpus"):
        measure(replace(TINY, corpus="builtin:wiki"))
    with pytest.raises(BenchError, match="corpus must be a corpus file's path"):
        measure(replace(TINY, corpus=""))
    with pytest.raises(CorpusError, match=r"gone\.txt"):
        measure(replace(TINY, corpus=str(tmp_path / "gone.txt")))
    empty = tmp_path / "blank.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="none of its 2 lines"):
        measure(replace(TINY, corpus=str(empty)))
