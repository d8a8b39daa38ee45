"""Layouts equal torch's, and the maps between the views are exact."""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import (
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)

from padviz.core.batch import Batch, from_lengths, from_text, load_preset
from padviz.core.layout import compare_waste, compute_layout, describe_cell, describe_row
from padviz.core.options import LayoutError, LayoutOptions


def reference(batch: Batch, o: LayoutOptions):
    """Order, truncated sequences, T, and the padded grid (B x T) built one sequence at a time."""
    eff = [min(n, o.max_length) if o.max_length else n for n in batch.lengths]
    order = list(range(len(eff)))
    if o.order != "given":
        order.sort(key=lambda i: -eff[i])  # list.sort is stable
    seqs = [list(batch.sequences[i][: eff[i]]) for i in order]
    longest = max(map(len, seqs))
    T = (
        math.ceil(longest / o.pad_to_multiple_of) * o.pad_to_multiple_of
        if o.pad_to_multiple_of
        else longest
    )
    grid = np.full((len(seqs), T), o.padding_value, np.float64)
    mask = np.zeros((len(seqs), T), bool)
    for b, s in enumerate(seqs):
        cols = slice(0, len(s)) if o.padding_side == "right" else slice(T - len(s), T)
        grid[b, cols] = s
        mask[b, cols] = True
    return order, seqs, T, grid, mask


def check_layout(batch: Batch, o: LayoutOptions) -> None:
    L = compute_layout(batch, o)
    order, seqs, T, grid, mask = reference(batch, o)
    lengths = [len(s) for s in seqs]
    B = len(seqs)

    # Padded tensor and mask: torch's orientation, the right dtype, the reference values.
    assert L.order.tolist() == order and L.lengths.tolist() == lengths and L.T == T
    assert tuple(L.padded.shape) == ((B, T) if o.batch_first else (T, B))
    assert L.mask.shape == L.padded.shape and L.mask.dtype == torch.bool
    assert L.padded.dtype == (torch.int64 if float(o.padding_value).is_integer() else torch.float64)
    np.testing.assert_array_equal(L.padded_bt, grid)
    np.testing.assert_array_equal(L.mask_bt, mask)
    # ... and torch's own pad_sequence, on the columns it makes (T may add pad_to_multiple_of's)
    want = pad_sequence(
        [torch.tensor(s, dtype=L.padded.dtype) for s in seqs],
        batch_first=o.batch_first,
        padding_value=o.padding_value,
        padding_side=o.padding_side,
    )
    made = want.shape[1 if o.batch_first else 0]
    steps = slice(0, made) if o.padding_side == "right" else slice(T - made, T)
    assert torch.equal(L.padded[:, steps] if o.batch_first else L.padded[steps], want)
    assert L.padded.is_contiguous()

    # Jagged view.
    assert np.diff(L.offsets).tolist() == lengths and L.offsets[0] == 0
    assert L.values.tolist() == [t for s in seqs for t in s]
    cells = L.value_cells()
    np.testing.assert_array_equal(L.padded_bt[cells[:, 0], cells[:, 1]], L.values)
    assert all(L.cell_to_value(b, t) == k for k, (b, t) in enumerate(cells.tolist()))

    # Buckets partition the batch in the order used; stats count their cells.
    assert np.concatenate([b.indices for b in L.buckets]).tolist() == order
    eff = dict(zip(order, lengths, strict=False))
    for bucket in L.buckets:
        need = max(eff[i] for i in bucket.indices.tolist())
        multiple = o.pad_to_multiple_of or 1
        assert bucket.max_len == math.ceil(need / multiple) * multiple
    assert L.stats.total_cells == sum(len(b.indices) * b.max_len for b in L.buckets)
    assert L.stats.real_tokens == sum(lengths)
    assert L.stats.pad_cells == L.stats.total_cells - L.stats.real_tokens

    # Packing: exactly what torch does, or refused exactly when torch refuses.
    lengths_t = torch.tensor(lengths)
    refuses = (o.enforce_sorted and lengths != sorted(lengths, reverse=True)) or 0 in lengths
    if refuses:
        assert L.packed is None and L.pack_error
        assert {"unsorted_enforce_sorted", "zero_length"} & {p.name for p in L.pitfalls}
        with pytest.raises(RuntimeError):
            pack_padded_sequence(torch.from_numpy(grid), lengths_t, True, o.enforce_sorted)
        assert (L.cell_to_row == -1).all() and L.unpacked is None
        return
    if o.padding_side == "right":
        expected = pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=o.enforce_sorted)
    else:  # what torch really does with a left-padded tensor
        expected = pack_padded_sequence(
            torch.from_numpy(grid), lengths_t, batch_first=True, enforce_sorted=o.enforce_sorted
        )
    assert L.packed is not None and L.pack_error is None
    np.testing.assert_array_equal(L.packed.data.numpy(), expected.data.numpy())
    assert torch.equal(L.packed.batch_sizes, expected.batch_sizes)
    for name in ("sorted_indices", "unsorted_indices"):
        got, want = getattr(L.packed, name), getattr(expected, name)
        assert (got is None and want is None) or torch.equal(got, want)

    # The packed-row map: row r holds cell packed_rows[r] and exactly packed.data[r].
    rows, times = L.packed_rows[:, 0], L.packed_rows[:, 1]
    np.testing.assert_array_equal(L.padded_bt[rows, times], L.packed.data.numpy())
    assert len({(b, t) for b, t in L.packed_rows.tolist()}) == len(L.packed_rows)
    np.testing.assert_array_equal(L.cell_to_row[rows, times], np.arange(len(rows)))
    assert (L.cell_to_row >= 0).sum() == len(rows)
    np.testing.assert_array_equal(L.row_time, times)
    sizes = L.packed.batch_sizes.numpy()
    assert np.bincount(L.row_time, minlength=len(sizes)).tolist() == sizes.tolist()
    assert (L.row_slot < sizes[L.row_time]).all()
    assert all(L.cell_of_row(r) == tuple(L.packed_rows[r]) for r in range(len(rows)))

    unpacked, unpacked_lengths = pad_packed_sequence(
        L.packed, batch_first=o.batch_first, padding_value=o.padding_value, total_length=T
    )
    assert unpacked_lengths.tolist() == lengths
    assert torch.equal(L.unpacked, unpacked)
    if o.padding_side == "right":
        # A bijection onto the real cells, and unpacking gives the padded tensor back.
        np.testing.assert_array_equal(L.cell_to_row >= 0, mask)
        assert not L.row_is_pad.any()
        assert torch.equal(unpacked, L.padded)
    else:
        np.testing.assert_array_equal(L.row_is_pad, ~mask[rows, times])
        short = any(0 < n < T for n in lengths)
        assert L.row_is_pad.any() == short
        assert "left_padding_packed" in {p.name for p in L.pitfalls}


options_strategy = st.builds(
    LayoutOptions,
    batch_first=st.booleans(),
    padding_value=st.sampled_from([0.0, -1.0, 2.5, 3.0]),
    padding_side=st.sampled_from(["right", "left"]),
    pad_to_multiple_of=st.sampled_from([None, 1, 4, 5]),
    max_length=st.sampled_from([None, 1, 3, 8]),
    order=st.sampled_from(["given", "sorted", "bucketed"]),
    buckets=st.integers(1, 4),
    enforce_sorted=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 12), min_size=1, max_size=8),
    seed=st.integers(0, 3),
    options=options_strategy,
)
def test_layout_equals_torch_for_generated_batches(lengths, seed, options):
    check_layout(from_lengths(lengths, vocab_size=6, seed=seed), options)


SWEEP = list(
    itertools.product(
        [False, True],  # batch_first
        ["right", "left"],
        ["given", "sorted", "bucketed"],
        [False, True],  # enforce_sorted
        [None, 4],  # pad_to_multiple_of
        [None, 4],  # max_length
        [0.0, 1.5],  # padding_value
    )
)


@pytest.mark.parametrize("lengths", [[5, 3, 7], [3, 3, 1, 3, 6], [4]])
def test_every_option_combination(lengths):
    batch = from_lengths(lengths)
    for first, side, order, enforce, multiple, cut, value in SWEEP:
        options = LayoutOptions(
            batch_first=first,
            padding_side=side,
            order=order,
            enforce_sorted=enforce,
            pad_to_multiple_of=multiple,
            max_length=cut,
            padding_value=value,
            buckets=2,
        )
        check_layout(batch, options)


def test_article_example_matches_the_documented_packing():
    L = compute_layout(load_preset("article"))
    assert L.packed.batch_sizes.tolist() == [3, 3, 3, 2, 2, 1, 1]
    assert L.packed.sorted_indices.tolist() == [2, 0, 1]
    assert L.packed.unsorted_indices.tolist() == [1, 2, 0]
    assert tuple(L.padded.shape) == (7, 3)  # torch's default is time-first
    token = int(L.padded_bt[2, 4])
    assert describe_cell(L, 2, 4) == (
        f"sequence 2, t=4 -> packed row 11 (time step 4, slot 1 of 2), token {token}"
    )
    assert describe_cell(L, 1, 5) == "sequence 1, t=5: padding (not in the packed data)"
    assert describe_row(L, 11) == (
        f"packed row 11 (time step 4, slot 1 of 2): sequence 2, t=4, token {token}"
    )
    assert list(L.rows_at_time(4)) == [11, 12] and list(L.rows_at_time(7)) == []
    # Feature size 100 in float32: 21 cells vs 15 tokens of 400 bytes.
    assert (L.stats.padded_bytes, L.stats.packed_bytes) == (21 * 400, 15 * 400)
    assert L.pitfalls == []


def test_describe_uses_original_indices_and_vocabulary():
    batch = from_text("the cat sat down\nthe dog")
    L = compute_layout(batch, LayoutOptions(order="sorted", batch_first=True))
    assert describe_cell(L, 1, 1) == (
        "sequence 1, t=1 -> packed row 3 (time step 1, slot 2 of 2), token 'dog' (id 5)"
    )
    sorted_batch = from_lengths([2, 5])
    S = compute_layout(sorted_batch, LayoutOptions(order="sorted"))
    assert describe_cell(S, 0, 0).startswith("sequence 1 (row 0), t=0 -> packed row 0")
    with pytest.raises(IndexError):
        describe_cell(S, 2, 0)
    with pytest.raises(IndexError):
        describe_row(S, 99)


def test_left_padding_packs_pads_and_drops_tokens():
    L = compute_layout(from_lengths([5, 3, 7]), LayoutOptions(padding_side="left"))
    names = [p.name for p in L.pitfalls]
    assert names == ["left_padding_packed"]
    # T = 7: sequence 0 (5 tokens) packs 2 pads and loses 2 tokens, sequence 1 (3) packs 3, loses 3.
    assert L.row_is_pad.sum() == 2 + 3
    dropped = L.mask_bt & (L.cell_to_row < 0)
    assert dropped.sum() == 2 + 3
    assert not torch.equal(L.unpacked, L.padded)
    b, t = map(int, np.argwhere(dropped)[0])
    assert "dropped from the packed data" in describe_cell(L, b, t)
    r = int(np.flatnonzero(L.row_is_pad)[0])
    b, t = L.cell_of_row(r)
    assert "padding, yet packed as packed row" in describe_cell(L, b, t)
    assert describe_row(L, r).endswith("padding")


def test_zero_length_is_shown_not_raised():
    batch = Batch(sequences=((3, 4), (), (5,)))
    L = compute_layout(batch)
    assert L.packed is None and "greater than 0" in L.pack_error
    assert [p.name for p in L.pitfalls] == ["zero_length"]
    assert L.mask_bt[1].sum() == 0 and L.offsets.tolist() == [0, 2, 2, 3]
    assert describe_cell(L, 1, 0) == (
        "sequence 1, t=0: padding (not packed: torch refused to pack this batch)"
    )
    assert "token 3" in describe_cell(L, 0, 0)
    assert L.packed_rows.shape == (0, 2) and L.batch_sizes.size == 0


def test_enforce_sorted_refusal_and_success():
    batch = from_lengths([3, 5])
    L = compute_layout(batch, LayoutOptions(enforce_sorted=True))
    assert L.packed is None and "sorted in decreasing order" in L.pack_error
    assert [p.name for p in L.pitfalls] == ["unsorted_enforce_sorted"]
    ok = compute_layout(batch, LayoutOptions(enforce_sorted=True, order="sorted"))
    assert ok.packed is not None and ok.packed.sorted_indices is None
    assert ok.pitfalls == []


def test_truncation_and_pad_to_multiple_pitfalls():
    L = compute_layout(from_lengths([9, 2]), LayoutOptions(max_length=4, pad_to_multiple_of=8))
    assert L.lengths.tolist() == [4, 2] and L.T == 8
    names = [p.name for p in L.pitfalls]
    assert names == ["truncated", "unpack_drops_padding"]
    assert "1 of 2 sequences are cut to 4 tokens (5 tokens dropped)" in L.pitfalls[0].message
    assert pad_packed_sequence(L.packed)[0].shape[0] == 4  # without total_length: narrower


def test_padding_value_that_is_a_token():
    batch = Batch(sequences=((1, 2, 3), (3,)))
    L = compute_layout(batch, LayoutOptions(padding_value=3))
    assert [p.name for p in L.pitfalls] == ["padding_value_is_token"]
    assert "occurs 2 times" in L.pitfalls[0].message
    # The shortcut mask `padded != padding_value` is wrong here; the layout's mask is not.
    assert not np.array_equal(L.padded_bt != 3, L.mask_bt)
    assert compute_layout(batch, LayoutOptions(padding_value=3.5)).pitfalls == []


@settings(max_examples=60, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 40), min_size=1, max_size=20),
    options=options_strategy,
)
def test_compare_waste_bucketing_never_costs_more(lengths, options):
    batch = from_lengths(lengths)
    waste = compare_waste(batch, options)
    assert waste["given"] == waste["sorted"]  # sorting alone does not remove a single pad
    assert waste["bucketed"].total_cells <= waste["sorted"].total_cells
    assert {w.real_tokens for w in waste.values()} == {
        compute_layout(batch, options).stats.real_tokens
    }
    for order, stats in waste.items():
        same = dataclasses.replace(options, order=order)
        assert compute_layout(batch, same).stats == stats


def test_buckets_pad_each_group_to_its_own_length():
    batch = from_lengths([2, 9, 3, 8, 1, 7])
    L = compute_layout(batch, LayoutOptions(order="bucketed", buckets=3))
    assert [(b.indices.tolist(), b.max_len) for b in L.buckets] == [
        ([1, 3], 9),
        ([5, 2], 7),
        ([0, 4], 2),
    ]
    assert L.stats.total_cells == 2 * 9 + 2 * 7 + 2 * 2
    many = compute_layout(batch, LayoutOptions(order="bucketed", buckets=10))
    assert len(many.buckets) == 6 and many.stats.pad_cells == 0


def test_byte_counts_follow_feature_size_and_dtype():
    batch = from_lengths([2, 4])
    ids = compute_layout(batch).stats
    assert (ids.feature_size, ids.dtype, ids.padded_bytes, ids.packed_bytes) == (1, "int64", 64, 48)
    wide = compute_layout(batch, feature_size=10, dtype="float16").stats
    assert (wide.padded_bytes, wide.packed_bytes) == (8 * 20, 6 * 20)
    with pytest.raises(LayoutError, match="dtype 'float99' is not a torch dtype"):
        compute_layout(batch, dtype="float99")


def test_large_batch_works():
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 4097, 1024)
    lengths[3] = 4096
    L = compute_layout(from_lengths(lengths.tolist()), LayoutOptions(order="bucketed", buckets=8))
    assert tuple(L.padded.shape) == (4096, 1024)
    assert L.packed is not None and len(L.packed_rows) == lengths.sum()
    assert (L.cell_to_row >= 0).sum() == lengths.sum()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"padding_side": "middle"}, "padding_side 'middle' must be 'right' or 'left'"),
        ({"order": "random"}, "order 'random' must be one of given, sorted, bucketed"),
        ({"buckets": 0}, "buckets 0 must be a whole number from 1 to 1024"),
        ({"pad_to_multiple_of": 0}, "pad_to_multiple_of 0 must be"),
        ({"max_length": 2.5}, "max_length 2.5 must be"),
        ({"padding_value": float("nan")}, "padding_value nan must be a finite number"),
        ({"padding_value": "0"}, "padding_value '0' must be a finite number"),
        ({"batch_first": 1}, "batch_first must be True or False, got 1"),
    ],
)
def test_options_errors(kwargs, message):
    with pytest.raises(LayoutError, match=message):
        LayoutOptions(**kwargs)


def test_empty_batch_is_refused():
    with pytest.raises(LayoutError, match="the batch is empty"):
        compute_layout(Batch(sequences=()))
