"""Row packing: every sequence placed once, rows within their length, cu_seqlens and position
ids that agree with the rows, a mask equal to one built cell by cell, and, against torch,
attention over a packed row with that mask and those positions equal to each sequence alone."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core.row_packing import PAD_POSITION, RowPackingError, pack_rows

lengths_st = st.lists(st.integers(1, 30), min_size=1, max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    lengths_st,
    st.integers(1, 32),
    st.sampled_from(["greedy", "ffd"]),
    st.sampled_from(["truncate", "split"]),
)
def test_every_token_is_placed_once_and_no_row_overflows(lengths, row_length, algorithm, overflow):
    packing = pack_rows(lengths, row_length, algorithm, overflow)
    placed: dict[int, list[tuple[int, int]]] = {}
    for row in packing.rows:
        assert 0 < sum(p.length for p in row) <= row_length
        for p in row:
            placed.setdefault(p.sequence, []).append((p.start, p.length))
    assert sorted(placed) == list(range(len(lengths)))
    for i, n in enumerate(lengths):
        pieces = sorted(placed[i])
        if overflow == "truncate" or n <= row_length:
            assert pieces == [(0, min(n, row_length))]
        else:  # split: consecutive row-length pieces covering the whole sequence
            starts = [s for s, _ in pieces]
            assert starts == list(range(0, n, row_length)) and sum(k for _, k in pieces) == n
    real = sum(min(n, row_length) if overflow == "truncate" else n for n in lengths)
    assert packing.real_tokens == real
    assert packing.pad_tokens == len(packing.rows) * row_length - real
    assert packing.efficiency == pytest.approx(real / (len(packing.rows) * row_length))


@settings(max_examples=100, deadline=None)
@given(lengths_st, st.integers(30, 64), st.sampled_from(["greedy", "ffd"]))
def test_cu_seqlens_and_position_ids_agree_with_the_rows(lengths, row_length, algorithm):
    packing = pack_rows(lengths, row_length, algorithm)
    for row, cu, positions in zip(
        packing.rows, packing.cu_seqlens(), packing.position_ids(), strict=True
    ):
        assert cu == [0, *np.cumsum([p.length for p in row]).tolist()]
        assert len(positions) == row_length
        expected = [k for p in row for k in range(p.length)]
        assert positions == expected + [PAD_POSITION] * (row_length - len(expected))


def test_greedy_keeps_the_order_and_ffd_fills_first_fit_longest_first():
    greedy = pack_rows([5, 3, 7, 2], 8, "greedy")
    assert [[p.sequence for p in row] for row in greedy.rows] == [[0, 1], [2], [3]]
    ffd = pack_rows([5, 3, 7, 2, 1], 8, "ffd")
    assert [[p.sequence for p in row] for row in ffd.rows] == [[2, 4], [0, 1], [3]]
    tie = pack_rows([4, 4, 4], 8, "ffd")
    assert [[p.sequence for p in row] for row in tie.rows] == [[0, 1], [2]]  # ties by index


def test_a_sequence_longer_than_a_row_is_refused_by_default_naming_it():
    with pytest.raises(
        RowPackingError, match="sequence 1 has 13 tokens, more than the row length 8"
    ):
        pack_rows([5, 13], 8)
    with pytest.raises(RowPackingError, match="row length 0"):
        pack_rows([5], 0)
    with pytest.raises(RowPackingError, match="unknown algorithm 'best'"):
        pack_rows([5], 8, "best")


@pytest.mark.parametrize("documents", [True, False])
def test_the_mask_is_the_one_built_cell_by_cell(documents):
    packing = pack_rows([3, 2, 4], 8, "greedy")
    owners = packing.sequence_ids()[0]  # row 0: sequences 0 and 1, then padding
    mask = packing.attention_mask(0, documents=documents)
    for i in range(8):
        for j in range(8):
            expected = owners[i] >= 0 and owners[j] >= 0 and j <= i
            if documents:
                expected = expected and owners[i] == owners[j]
            assert mask[i, j] == expected, (i, j)


def _attend(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    q = k = v = x[None, None]  # one head
    return torch.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=mask, is_causal=mask is None
    )[0, 0]


def test_attention_over_a_packed_row_equals_each_sequence_alone_only_with_mask_and_positions():
    torch.manual_seed(0)
    lengths, row_length = [3, 2, 2], 8
    packing = pack_rows(lengths, row_length)
    tokens = [torch.randint(1, 20, (n,)) for n in lengths]
    embed, position = torch.nn.Embedding(20, 6), torch.nn.Embedding(16, 6)
    with torch.no_grad():
        alone = [_attend(embed(t) + position(torch.arange(len(t))), None) for t in tokens]
        row = packing.rows[0]
        flat = torch.cat([tokens[p.sequence] for p in row])
        n = flat.numel()
        positions = torch.tensor(packing.position_ids()[0][:n])
        mask = torch.from_numpy(packing.attention_mask(0)[:n, :n])
        packed = _attend(embed(flat) + position(positions), mask)
        expected = torch.cat([alone[p.sequence] for p in row])
        assert torch.allclose(packed, expected, atol=1e-6)
        # without the document mask, or without positions that restart, the later ones differ
        leaky = _attend(embed(flat) + position(positions), None)
        shifted = _attend(embed(flat) + position(torch.arange(n)), mask)
        first = row[0].length
        for wrong in (leaky, shifted):
            assert torch.allclose(wrong[:first], expected[:first], atol=1e-6)
            assert not torch.allclose(wrong[first:], expected[first:], atol=1e-3)
