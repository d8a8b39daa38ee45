"""The synthetic tasks: padded layout, targets checked against plain-Python references."""

from collections import Counter

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core.tasks import (
    LENGTH_DISTRIBUTIONS,
    PAD_ID,
    RUNNING_SUM_K,
    TaskError,
    get_task,
    sample_lengths,
    task_names,
)


def sample(name: str, seed: int = 0, batch_size: int = 16, min_len: int = 1, max_len: int = 12):
    return get_task(name).sample(batch_size, torch.Generator().manual_seed(seed), min_len, max_len)


def real(batch, i: int) -> list[int]:
    return batch.tokens[i, : int(batch.lengths[i])].tolist()


def test_names_are_stable_and_the_first_is_per_token():
    assert task_names() == ["running-sum-mod-k", "majority", "last-token"]
    assert get_task(task_names()[0]).per_token
    assert any(not get_task(n).per_token for n in task_names())


def test_unknown_task_lists_the_valid_names():
    with pytest.raises(TaskError, match=r"unknown task 'nope'.*running-sum-mod-k, majority"):
        get_task("nope")
    assert issubclass(TaskError, ValueError)


@pytest.mark.parametrize("name", task_names())
@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    batch_size=st.integers(1, 12),
    bounds=st.tuples(st.integers(1, 15), st.integers(0, 15)),
)
def test_batches_are_right_padded_with_pad_id(name, seed, batch_size, bounds):
    min_len, extra = bounds
    task = get_task(name)
    b = sample(name, seed, batch_size, min_len, min_len + extra)
    assert b.tokens.dtype == b.lengths.dtype == b.targets.dtype == torch.int64
    assert b.lengths.device.type == "cpu"
    assert b.tokens.shape == (batch_size, int(b.lengths.max()))
    assert ((b.lengths >= min_len) & (b.lengths <= min_len + extra)).all()
    positions = torch.arange(b.tokens.shape[1])[None, :]
    assert torch.equal(b.mask, positions < b.lengths[:, None])
    assert (b.tokens[~b.mask] == PAD_ID).all()
    real_tokens = b.tokens[b.mask]
    assert ((real_tokens >= 1) & (real_tokens < task.vocab_size)).all()
    assert ((b.targets >= 0) & (b.targets < task.num_classes)).all()
    assert b.targets.shape == (b.tokens.shape if task.per_token else (batch_size,))
    assert b.real_tokens == int(b.lengths.sum())


def test_running_sum_targets_match_a_python_reference():
    b = sample("running-sum-mod-k", seed=3)
    for i in range(len(b.lengths)):
        tokens = real(b, i)
        expected = [sum(tokens[: t + 1]) % RUNNING_SUM_K for t in range(len(tokens))]
        n = len(tokens)
        assert b.targets[i, :n].tolist() == expected
        assert (b.targets[i, n:] == 0).all()  # a real class value at pads: the unmasked trap
    real_targets = b.targets[b.mask]
    assert (real_targets == 0).any()  # class 0 is also a real target: the ignore_index trap


def test_majority_target_fills_more_than_half_of_each_sequence():
    b = sample("majority", seed=5, batch_size=64)
    for i in range(64):
        counts = Counter(real(b, i))
        token, count = counts.most_common(1)[0]
        assert count > len(real(b, i)) / 2
        assert int(b.targets[i]) == token - 1
    assert set(b.targets.tolist()) == set(range(get_task("majority").num_classes))


def test_last_token_target_is_the_last_real_token():
    b = sample("last-token", seed=7)
    for i in range(len(b.lengths)):
        assert int(b.targets[i]) == real(b, i)[-1] - 1


@pytest.mark.parametrize("name", task_names())
def test_same_seed_same_batch(name):
    a, b, c = sample(name, seed=11), sample(name, seed=11), sample(name, seed=12)
    assert torch.equal(a.tokens, b.tokens) and torch.equal(a.targets, b.targets)
    assert a.tokens.shape != c.tokens.shape or not torch.equal(a.tokens, c.tokens)


@pytest.mark.parametrize("distribution", LENGTH_DISTRIBUTIONS)
@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), min_len=st.integers(1, 30), extra=st.integers(0, 60))
def test_length_distributions_stay_in_bounds(distribution, seed, min_len, extra):
    lengths = sample_lengths(
        64, torch.Generator().manual_seed(seed), min_len, min_len + extra, distribution
    )
    assert lengths.dtype == torch.int64 and lengths.shape == (64,)
    assert ((lengths >= min_len) & (lengths <= min_len + extra)).all()
    if distribution == "fixed":
        assert (lengths == min_len + extra).all()


def test_lognormal_lengths_have_a_long_tail():
    lengths = sample_lengths(4000, torch.Generator().manual_seed(0), 1, 200, "lognormal").double()
    assert lengths.median() < lengths.mean() < 100  # many short, a few long


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((4, 0, 5, "uniform"), "min_len=0"),
        ((4, 6, 5, "uniform"), "min_len=6, max_len=5"),
        ((0, 1, 5, "uniform"), "batch_size 0 must be a whole number >= 1"),
        ((4, 1, 5, "zipf"), "unknown length distribution 'zipf'"),
    ],
)
def test_bad_sampling_settings_are_named(args, message):
    batch_size, min_len, max_len, distribution = args
    with pytest.raises(TaskError, match=message):
        sample_lengths(batch_size, torch.Generator(), min_len, max_len, distribution)
