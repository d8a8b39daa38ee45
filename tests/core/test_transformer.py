"""Truth for the transformer: row-packed with the document mask and reset positions, every
sequence computes exactly what it computes alone; without them it does not."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core.row_packing import ALGORITHMS, OVERFLOWS, RowPacking, pack_rows
from padviz.core.transformer import TransformerLM, sinusoidal_table
from padviz.core.transformer_batches import model_inputs, packed_inputs, padded_inputs

torch.set_num_threads(1)
VOCAB, CLASSES, MAX_ROW = 7, 5, 24
ATOL = 1e-5


def _model(positions: str) -> TransformerLM:
    torch.manual_seed(3)
    model = TransformerLM(VOCAB, CLASSES, 16, 2, 24, 2, MAX_ROW, positions).eval()
    for p in model.parameters():  # larger weights than the default init: differences show
        p.data.mul_(2.0)
    return model


MODELS = {positions: _model(positions) for positions in ("learned", "sinusoidal")}


def _batch(lengths: list[int], seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    steps = max(lengths)
    tokens = torch.randint(1, VOCAB, (len(lengths), steps), generator=g)
    pads = torch.arange(steps)[None, :] >= torch.tensor(lengths)[:, None]
    return tokens.masked_fill(pads, 0), torch.randint(0, CLASSES, tokens.shape, generator=g)


@torch.no_grad()
def _alone(model: TransformerLM, tokens: torch.Tensor, start: int) -> torch.Tensor:
    """One sequence (or piece) by itself: no padding, positions from `start`, causal."""
    n = tokens.shape[0]
    positions = torch.arange(start, start + n)[None]
    causal = torch.ones(n, n, dtype=torch.bool).tril()[None]
    return model(tokens[None], positions, causal)[0]


@torch.no_grad()
def _packed_logits(model, tokens, targets, packing, documents=True, reset=True):
    inputs = packed_inputs(tokens, targets, packing, documents=documents)
    positions = inputs.position_ids
    if not reset:
        positions = torch.arange(packing.row_length).expand_as(positions)
    return model(inputs.tokens, positions, inputs.attn_mask), inputs


def _pieces(packing: RowPacking):
    """(row, slot where the piece starts, piece) for every piece."""
    for r, row in enumerate(packing.rows):
        at = 0
        for piece in row:
            yield r, at, piece
            at += piece.length


def _max_differences(model, tokens, targets, packing, **how) -> list[float]:
    """Per piece, the largest difference of its packed logits from the piece run alone."""
    logits, _ = _packed_logits(model, tokens, targets, packing, **how)
    out = []
    for r, at, p in _pieces(packing):
        alone = _alone(model, tokens[p.sequence, p.start : p.start + p.length], p.start)
        out.append(float((logits[r, at : at + p.length] - alone).abs().max()))
    return out


@settings(max_examples=12, deadline=None, derandomize=True)
@given(
    lengths=st.lists(st.integers(1, 14), min_size=1, max_size=9),
    row_length=st.integers(4, 16),
    algorithm=st.sampled_from(ALGORITHMS),
    overflow=st.sampled_from(OVERFLOWS),
    positions=st.sampled_from(sorted(MODELS)),
)
def test_packed_rows_with_document_mask_equal_each_sequence_alone(
    lengths, row_length, algorithm, overflow, positions
) -> None:
    if overflow == "error":
        lengths = [min(n, row_length) for n in lengths]
    model = MODELS[positions]
    tokens, targets = _batch(lengths)
    packing = pack_rows(lengths, row_length, algorithm, overflow)
    assert max(_max_differences(model, tokens, targets, packing)) < ATOL


@pytest.mark.parametrize("algorithm", ALGORITHMS)
@pytest.mark.parametrize("overflow", OVERFLOWS)
@pytest.mark.parametrize("positions", sorted(MODELS))
def test_without_the_mask_or_the_reset_a_later_sequence_differs(
    algorithm, overflow, positions
) -> None:
    lengths = [5, 3, 7, 2, 4, 6, 1, 9]
    row_length = 8
    if overflow == "error":
        lengths = [min(n, row_length) for n in lengths]
    model = MODELS[positions]
    tokens, targets = _batch(lengths, seed=1)
    packing = pack_rows(lengths, row_length, algorithm, overflow)
    first = [at == 0 for _, at, _ in _pieces(packing)]
    assert not all(first)  # some row holds two sequences
    for how in ({"documents": False, "reset": False}, {"documents": False}, {"reset": False}):
        diffs = _max_differences(model, tokens, targets, packing, **how)
        later = [d for d, f in zip(diffs, first, strict=True) if not f]
        assert min(later) > 1e-3, how  # every sequence after another in its row is off
        # the first piece of each row has nothing before it: the mask changes nothing there;
        # not resetting changes nothing either, unless the piece continues a split sequence
        starts = [p.start for _, at, p in _pieces(packing) if at == 0]
        firsts = [d for d, f in zip(diffs, first, strict=True) if f]
        assert all(d < ATOL for d, s in zip(firsts, starts, strict=True) if s == 0)


@pytest.mark.parametrize("positions", sorted(MODELS))
def test_padded_with_the_key_padding_mask_equals_each_sequence_alone(positions) -> None:
    lengths = [6, 1, 4, 9, 3]
    model = MODELS[positions]
    tokens, targets = _batch(lengths, seed=2)
    inputs = padded_inputs(tokens, targets, torch.tensor(lengths))
    with torch.no_grad():
        logits = model(inputs.tokens, inputs.position_ids, inputs.attn_mask)
    for i, n in enumerate(lengths):
        assert torch.allclose(logits[i, :n], _alone(model, tokens[i, :n], 0), atol=ATOL)
    assert inputs.loss_mask.sum() == sum(lengths)


def test_packed_inputs_agree_with_the_rows() -> None:
    """Tokens, labels, positions and the mask, against the packing cell by cell."""
    lengths = [5, 3, 7, 2, 6]
    tokens, targets = _batch(lengths, seed=4)
    packing = pack_rows(lengths, 9, "ffd")
    inputs = packed_inputs(tokens, targets, packing)
    assert inputs.slots == len(packing.rows) * 9
    positions = np.asarray(packing.position_ids())
    sequences = np.asarray(packing.sequence_ids())
    for r in range(len(packing.rows)):
        mask = packing.attention_mask(r)
        for i in range(9):
            real = sequences[r, i] >= 0
            assert bool(inputs.loss_mask[r, i]) == real
            if real:
                t = positions[r, i]
                assert int(inputs.tokens[r, i]) == int(tokens[sequences[r, i], t])
                assert int(inputs.targets[r, i]) == int(targets[sequences[r, i], t])
                assert int(inputs.position_ids[r, i]) == t
                assert inputs.attn_mask[r, i].tolist() == mask[i].tolist()
            else:  # padding: pad token, label 0, attends to itself only
                assert int(inputs.tokens[r, i]) == 0 and int(inputs.targets[r, i]) == 0
                assert inputs.attn_mask[r, i].nonzero().flatten().tolist() == [i]
    unmasked = model_inputs(
        tokens, targets, torch.tensor(lengths), "packed-rows-unmasked", 9, "ffd"
    )
    assert unmasked.position_ids[0].tolist() == list(range(9))
    real = unmasked.loss_mask
    causal = torch.ones(9, 9, dtype=torch.bool).tril()
    expected = causal[None] & real[:, :, None] & real[:, None, :]
    assert torch.equal(unmasked.attn_mask & real[:, :, None], expected)


def test_the_sinusoidal_table_is_the_published_formula() -> None:
    table = sinusoidal_table(6, 5)
    for pos in range(6):
        for i in range(5):
            angle = pos / 10000 ** ((i - i % 2) / 5)
            want = np.sin(angle) if i % 2 == 0 else np.cos(angle)
            assert table[pos, i].item() == pytest.approx(want, abs=1e-6)
