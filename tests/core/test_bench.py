"""The bench core on tiny sizes: shapes, sanity and the recommendation logic, never speed."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.functional import pad

from padviz.core.bench import (
    STRATEGIES,
    BenchConfig,
    BenchError,
    BenchRow,
    Tagger,
    Timing,
    measure,
    pool_functions,
    step_functions,
)
from padviz.core.bench_pools import (
    Batch,
    Pool,
    bucket_indices,
    lengths_for_pad_ratio,
    make_pool,
    pad_ratio,
)
from padviz.core.bench_verdict import recommend
from padviz.core.models import CELLS

TINY = BenchConfig(
    device="cpu",
    hidden=4,
    batch_size=4,
    max_len=40,
    features=3,
    buckets=4,
    warmup=1,
    reps=2,
    threads=1,
    pad_ratios=(0.0, 0.2, 0.4, 0.6, 0.8, 0.9),
)


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny models gain nothing from threads, and OpenMP stalls when other tests load the CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@settings(max_examples=60, deadline=None)
@given(
    target=st.floats(0.0, 0.95),
    count=st.integers(1, 80),
    max_len=st.integers(1, 60),
    seed=st.integers(0, 2**16),
)
def test_lengths_reach_the_target_pad_ratio_when_reachable(target, count, max_len, seed):
    lengths = lengths_for_pad_ratio(target, count, max_len, np.random.default_rng(seed))
    assert len(lengths) == count and lengths.dtype == np.int64
    assert lengths.min() >= 1 and lengths.max() <= max_len
    most_padding = 1 - 1 / max_len  # every sequence of length 1
    if target <= most_padding:
        assert abs(pad_ratio(lengths, max_len) - target) <= 0.5 / (count * max_len) + 1e-12
    else:
        assert pad_ratio(lengths, max_len) == pytest.approx(most_padding)
    again = lengths_for_pad_ratio(target, count, max_len, np.random.default_rng(seed))
    assert np.array_equal(lengths, again)


def test_pool_lengths_vary_around_their_mean_in_random_order():
    lengths = lengths_for_pad_ratio(0.9, 256, 100, np.random.default_rng(0))
    assert 4 <= lengths.min() < lengths.max() <= 16  # about +-50% of the mean length 10
    assert not np.array_equal(lengths, np.sort(lengths))


@settings(max_examples=60, deadline=None)
@given(lengths=st.lists(st.integers(1, 50), min_size=1, max_size=40), k=st.integers(1, 8))
def test_bucketing_partitions_the_pool_by_length(lengths, k):
    parts = bucket_indices(lengths, k)
    assert len(parts) == min(k, len(lengths))
    assert sorted(np.concatenate(parts).tolist()) == list(range(len(lengths)))
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    for shorter, longer in itertools.pairwise(parts):
        assert max(lengths[i] for i in shorter) <= min(lengths[i] for i in longer)


def tiny_pool(target: float = 0.6) -> tuple[np.ndarray, Pool]:
    rng = np.random.default_rng(1)
    lengths = lengths_for_pad_ratio(target, TINY.batch_size * TINY.buckets, TINY.max_len, rng)
    return lengths, make_pool(lengths, TINY, rng, torch.device("cpu"))


def test_the_pool_is_cut_into_random_batches_and_length_buckets_of_the_same_sequences():
    lengths, pool = tiny_pool()
    assert np.array_equal(pool.lengths, lengths)
    b, t = TINY.batch_size, TINY.max_len
    assert [batch.x.shape[:2] for batch in pool.random_batches] == [(b, t)] * TINY.buckets
    x = torch.cat([batch.x for batch in pool.random_batches])  # the pool in drawn order
    assert torch.equal(
        torch.cat([batch.lengths for batch in pool.random_batches]), torch.from_numpy(lengths)
    )
    widths = [batch.x.shape[1] for batch in pool.buckets]
    assert widths == [int(batch.lengths.max()) for batch in pool.buckets]
    assert widths == sorted(widths) and sum(widths) < TINY.buckets * t
    # Every sequence sits in exactly one bucket, its real tokens intact.
    bucketed = torch.cat([pad(batch.x, (0, 0, 0, t - batch.x.shape[1])) for batch in pool.buckets])
    assert torch.equal(bucketed, x[np.argsort(lengths, kind="stable")])
    assert [batch.mask.sum().item() for batch in pool.buckets] == [
        batch.lengths.sum().item() for batch in pool.buckets
    ]


def gradient(
    model: Tagger, start: dict, step: Callable[[Batch], None], batch: Batch
) -> list[torch.Tensor]:
    model.load_state_dict(start)
    step(batch)
    return [p.grad.clone() for p in model.parameters()]


def assert_same(grads: list[torch.Tensor], reference: list[torch.Tensor]) -> None:
    for g, ref in zip(grads, reference, strict=False):
        # (torch.testing.assert_close would import torch.distributed: seconds, here.)
        assert torch.allclose(g, ref, rtol=1e-4, atol=1e-6), (g - ref).abs().max()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_every_strategy_trains_the_same_loss(cell):
    """Packing a batch, or padding it only to its own longest, leaves the gradient as it is,
    for every cell."""
    torch.manual_seed(0)
    _, pool = tiny_pool()
    model = Tagger(replace(TINY, cell=cell))
    assert isinstance(model.rnn, CELLS[cell])
    start = {k: v.clone() for k, v in model.state_dict().items()}
    steps = step_functions(model)
    for batch in pool.random_batches:
        padded = gradient(model, start, steps["padded"], batch)
        assert_same(gradient(model, start, steps["packed"], batch), padded)
    bucket = pool.buckets[0]
    width = TINY.max_len - bucket.x.shape[1]
    to_max_len = Batch(
        pad(bucket.x, (0, 0, 0, width)),
        pad(bucket.targets, (0, width)),
        pad(bucket.mask, (0, width)),
        bucket.lengths,
    )
    assert_same(
        gradient(model, start, steps["padded"], bucket),
        gradient(model, start, steps["padded"], to_max_len),
    )


def test_a_pool_trains_one_step_per_batch():
    _, pool = tiny_pool()
    model = Tagger(TINY)
    seen: list[int] = []
    model.rnn.register_forward_hook(lambda module, args, out: seen.append(id(args[0])))
    for name, train in pool_functions(model, pool).items():
        seen.clear()
        train()
        assert len(seen) == TINY.buckets, name


def test_measure_times_every_strategy_at_every_ratio():
    reports: list[tuple[BenchRow | None, float]] = []
    result = measure(TINY, progress=lambda row, f: reports.append((row, f)))
    assert not result.interrupted and result.device == "cpu"
    assert [row.target_pad_ratio for row in result.rows] == list(TINY.pad_ratios)
    for row in result.rows:
        assert row.pad_ratio == pytest.approx(row.target_pad_ratio, abs=0.01)
        for name in STRATEGIES:
            t = row.timings[name]
            assert math.isfinite(t.median_ms) and 0 < t.min_ms <= t.median_ms <= t.max_ms
        assert row.ideal == pytest.approx(1 - row.pad_ratio)
        assert row.packed_over_padded == pytest.approx(row.packed_ms / row.padded_ms)
    fractions = [f for _, f in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [row for row, _ in reports if row is not None] == result.rows
    assert result.recommendation.startswith("on cpu")


def test_should_stop_interrupts_between_rounds():
    calls = 0

    def stop_on_fifth_poll() -> bool:
        nonlocal calls
        calls += 1
        return calls >= 5

    # 1 warm-up + 2 reps = 3 rounds a ratio: the 5th poll falls inside the second ratio.
    result = measure(TINY, should_stop=stop_on_fifth_poll)
    assert result.interrupted and len(result.rows) == 1 and calls == 5
    nothing = measure(TINY, should_stop=lambda: True)
    assert nothing.interrupted and nothing.rows == []
    assert "nothing to recommend" in nothing.recommendation


def test_result_to_dict_is_flat_json_with_config_fields():
    result = measure(
        BenchConfig(
            device="cpu",
            hidden=2,
            batch_size=4,
            max_len=6,
            features=2,
            warmup=0,
            reps=1,
            threads=1,
            pad_ratios=(0.0, 0.5),
        )
    )
    d = result.to_dict()
    assert d["device"] == "cpu" and d["torch"] == torch.__version__
    assert d["hidden"] == 2 and d["batch_size"] == 4 and d["max_len"] == 6
    assert d["pad_ratios"] == [0.0, 0.5] and d["recommendation"] == result.recommendation
    assert [r["target_pad_ratio"] for r in d["rows"]] == [0.0, 0.5]
    assert d["threads"] == 1


def test_threads_apply_for_the_call_only():
    result = measure(BenchConfig(device="cpu", threads=2), should_stop=lambda: True)
    assert result.threads == 2 and torch.get_num_threads() == 1


def test_timing_summarises_samples_in_milliseconds():
    t = Timing.from_seconds([0.005, 0.001, 0.003, 0.002, 0.004])
    assert (t.min_ms, t.q1_ms, t.median_ms, t.q3_ms, t.max_ms) == pytest.approx((1, 2, 3, 4, 5))
    assert t.iqr_ms == pytest.approx(2)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"hidden": 0}, "hidden"),
        ({"batch_size": -1}, "batch_size"),
        ({"reps": 0}, "reps"),
        ({"warmup": -1}, "warmup"),
        ({"pad_ratios": (0.2, 1.0)}, "pad ratios"),
        ({"pad_ratios": ()}, "pad ratio"),
        ({"device": None}, "device must be a string"),
        ({"threads": 0}, "threads"),
        ({"cell": "lstn"}, "unknown cell 'lstn'; choose one of lstm, gru, rnn"),
    ],
)
def test_bad_configs_are_rejected_with_a_specific_message(change, message):
    with pytest.raises(BenchError, match=message):
        measure(BenchConfig(**{"device": "cpu", **change}))


# --- the recommendation, on synthetic rows -----------------------------------------------------

RATIOS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9)


def rows(packed: list[float], bucketed: list[float], iqr: float = 0.0) -> list[BenchRow]:
    """Rows with padded = 100 ms and the given packed / bucketed times."""

    def timing(ms: float) -> Timing:
        return Timing(ms, ms - iqr / 2, ms + iqr / 2, ms - iqr, ms + iqr)

    return [
        BenchRow(p, p, {"padded": timing(100), "packed": timing(a), "bucketed": timing(b)})
        for p, a, b in zip(RATIOS, packed, bucketed, strict=False)
    ]


SLOWER = [101, 300, 250, 200, 150, 120]


def test_packing_never_pays_off_names_its_best_padded_case():
    line = recommend(rows(SLOWER, [100] * 6), "cpu")
    assert line.startswith(
        "on cpu, against padding every batch to the max length: packing "
        "never pays off (at best 1.20x"
    )
    assert "at 90% padding" in line
    assert "padded is fastest at every pad ratio measured" in line


def test_packing_pays_off_above_an_interpolated_threshold():
    # packed/padded crosses 0.95 between 60% (1.2) and 80% (0.7): at 70%.
    line = recommend(rows([101, 300, 250, 120, 70, 40], [100] * 6))
    assert "packing pays off above ~70% padding" in line
    assert "fastest: padded at 0-60%; packed at 80-90%" in line


def test_packing_pays_off_everywhere_and_bucketing_is_fastest_wherever_there_is_padding():
    line = recommend(rows([90, 80, 60, 40, 30, 20], [80, 70, 50, 30, 20, 10]))
    assert "packing pays off at every pad ratio measured above 0%" in line
    assert "fastest: padded at 0%; bucketed at 20-90%" in line
    only_padded = recommend(rows([90, 80, 60, 40, 30, 20], [80, 70, 50, 30, 20, 10])[1:])
    assert "bucketed is fastest at every pad ratio measured" in only_padded


def test_apparent_wins_without_padding_are_noise():
    line = recommend(rows([80, 101, 120, 130, 140, 150], [80, 100, 100, 100, 100, 100]))
    assert "packing never pays off (at best 1.01x the padded time, at 20% padding)" in line
    assert "padded is fastest at every pad ratio measured" in line
    assert "not measured on a padded batch" in recommend(rows([80], [80]))


def test_scattered_wins_say_there_is_no_clear_threshold():
    line = recommend(rows([101, 90, 120, 110, 80, 70], [100] * 6))
    assert "packing pays off only at 20%, 80-90% padding (no clear threshold)" in line


def test_wins_within_the_margin_count_for_padding():
    line = recommend(rows([97, 98, 99, 98, 97, 96], [99, 98, 97, 96, 97, 98]))
    assert "packing never pays off" in line
    assert "padded is fastest at every pad ratio measured" in line


def test_noisy_rows_are_flagged():
    assert "noisy" not in recommend(rows(SLOWER, [100] * 6, iqr=5))
    line = recommend(rows(SLOWER, [100] * 6, iqr=40))
    assert "timings were noisy at 0-90% padding" in line
