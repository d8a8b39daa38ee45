"""The explorer's row-packing views and their code, against references built here: every slot
holds the token the batch has there, the maps to and from batch cells agree, the masks equal
ones built cell by cell, and the generated script's attention over the rows equals each
sequence attended alone (and differs without the document mask)."""

from __future__ import annotations

import contextlib
import dataclasses
import io

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core.batch import from_lengths
from padviz.core.document import build_document
from padviz.core.options import LayoutOptions
from padviz.core.row_views import LEAK, MAX_MASK_SLOTS, auto_row_length
from padviz.core.views import EMPTY, PAD, REAL

from .test_layout import options_strategy

row_options = st.builds(
    dict,
    row_length=st.sampled_from([None, 3, 5, 8]),
    row_algorithm=st.sampled_from(["greedy", "ffd"]),
    row_overflow=st.sampled_from(["error", "truncate", "split"]),
    row_mask=st.sampled_from(["documents", "causal", "padded"]),
    mask_row=st.integers(0, 6),
)
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True)


def document_for(lengths, options, rows):
    batch = from_lengths(lengths, vocab_size=9, seed=1, allow_zero_length=True)
    return batch, build_document(batch, dataclasses.replace(options, **rows))


def kept_tokens(batch, options):
    """Each sequence as given, after max_length truncation."""
    cut = options.max_length
    return [list(s[:cut] if cut else s) for s in batch.sequences]


@SETTINGS
@given(st.lists(st.integers(0, 10), min_size=1, max_size=7), options_strategy, row_options)
def test_every_slot_holds_the_batch_token_and_maps_back_to_its_cell(lengths, options, rows):
    batch, doc = document_for(lengths, options, rows)
    grid, layout = doc.rows, doc.layout
    tokens = kept_tokens(batch, doc.options)
    if grid.packing is None:  # refused: only when a sequence is longer than the row
        assert doc.options.row_overflow == "error"
        assert max(map(len, tokens)) > grid.row_length and "row length" in grid.error
        assert grid.shape == (0, 0) and "rows" not in doc.waste
        return
    R, L = grid.shape
    assert (
        L
        == grid.row_length
        == (doc.options.row_length or auto_row_length(np.array([len(t) for t in tokens])))
    )
    r, c = (a.ravel() for a in np.indices((R, L)))
    labels = grid.labels(r, c)
    positions = grid.packing.position_ids()
    seen = set()
    for i, j, text in zip(r.tolist(), c.tolist(), labels, strict=True):
        s, k = int(grid.sequence[i, j]), int(grid.position[i, j])
        assert k == positions[i][j]
        if s < 0:
            assert grid.codes[i, j] == PAD and grid.key_at(i, j) is None
            continue
        assert text == str(tokens[s][k])
        row, t = grid.key_at(i, j)
        assert layout.order[row] == s
        assert layout.mask_bt[row, t] and layout.padded_bt[row, t] == tokens[s][k]
        assert grid.cells_of(np.array([[row, t]])).tolist() == [[i, j]]
        seen.add((s, k))
    cut = {s: len(t) for s, t in enumerate(tokens)}
    if doc.options.row_overflow == "truncate":
        cut = {s: min(n, L) for s, n in cut.items()}
    assert seen == {(s, k) for s, n in cut.items() for k in range(n)}
    waste = doc.waste["rows"]
    assert waste.total_cells == R * L and waste.real_tokens == len(seen)
    assert waste.pad_ratio == pytest.approx(1 - grid.packing.efficiency)


@SETTINGS
@given(st.lists(st.integers(1, 9), min_size=1, max_size=6), options_strategy, row_options)
def test_the_mask_equals_one_built_cell_by_cell(lengths, options, rows):
    _, doc = document_for(lengths, options, {**rows, "row_overflow": "split"})
    grid, mask = doc.rows, doc.row_mask
    o = doc.options
    if o.row_mask == "padded":
        b = min(o.mask_row, doc.layout.B - 1)
        real = doc.layout.mask_bt[b]
        T = len(real)
        want = [
            [REAL if j <= i and real[i] and real[j] else PAD for j in range(T)] for i in range(T)
        ]
        assert mask.shown == b and mask.codes.tolist() == want
        return
    row = min(o.mask_row, grid.shape[0] - 1)
    seq = grid.sequence[row]
    pieces = np.full(len(seq), -1)  # which piece of the row holds each slot
    c = 0
    for k, piece in enumerate(grid.packing.rows[row]):
        pieces[c : c + piece.length] = k
        c += piece.length
    want, leaks = [], 0
    for i in range(len(seq)):
        line = []
        for j in range(len(seq)):
            if pieces[i] < 0 or pieces[j] < 0:
                line.append(EMPTY)
            elif j > i:
                line.append(PAD)
            elif pieces[i] == pieces[j]:
                line.append(REAL)
            elif o.row_mask == "causal":
                line.append(LEAK)
                leaks += 1
            else:
                line.append(PAD)
        want.append(line)
    assert mask.shown == row and mask.codes.tolist() == want and mask.leaks == leaks
    if o.row_mask == "causal":
        assert f"{leaks} leaking cells" in mask.title
    for i in np.flatnonzero(pieces >= 0).tolist():  # a token is drawn on the diagonal
        key = mask.key_at(i, 0)
        assert key == grid.key_at(row, i)
        assert mask.cells_of(np.array([key])).tolist() == [[i, i]]


def run_code(code: str) -> dict:
    namespace: dict = {"__name__": "__padviz_generated__"}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, "<row code>", "exec"), namespace)
    return namespace


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(1, 9), min_size=2, max_size=6),
    options_strategy,
    st.sampled_from([4, 6, 9]),
    st.sampled_from(["greedy", "ffd"]),
    st.sampled_from(["truncate", "split"]),
)
def test_the_code_builds_the_rows_and_attends_as_each_sequence_alone(
    lengths, options, row_length, algorithm, overflow
):
    torch.set_num_threads(1)
    rows = {"row_length": row_length, "row_algorithm": algorithm, "row_overflow": overflow}
    _, doc = document_for(lengths, options, rows)
    ns = run_code(doc.code)
    packing, grid = doc.rows.packing, doc.rows
    assert ns["rows"] and [[p[0] for p in row] for row in ns["rows"]] == [
        [p.sequence for p in row] for row in packing.rows
    ]
    assert ns["cu_seqlens"] == packing.cu_seqlens()
    assert ns["position_ids"].tolist() == packing.position_ids()
    assert torch.equal(ns["real"], torch.from_numpy(grid.sequence >= 0))
    for r in range(len(packing.rows)):
        assert np.array_equal(ns["attn_mask"][r].numpy(), packing.attention_mask(r))
    q, k, v, attended = ns["q"], ns["k"], ns["v"], ns["attended"]
    leaked = F.scaled_dot_product_attention(
        q, k, v, attn_mask=(ns["causal"] | torch.eye(row_length, dtype=torch.bool))
    )
    leaks = 0.0
    for r, row in enumerate(packing.rows):
        c = 0
        for piece in row:
            s = slice(c, c + piece.length)
            alone = F.scaled_dot_product_attention(
                q[r : r + 1, :, s], k[r : r + 1, :, s], v[r : r + 1, :, s], is_causal=True
            )
            torch.testing.assert_close(attended[r : r + 1, :, s], alone)
            leaks = max(leaks, float((leaked[r : r + 1, :, s] - alone).abs().max()))
            c += piece.length
    if any(len(row) > 1 for row in packing.rows):  # some row holds two sequences
        assert leaks > 1e-3
    labels = ns["labels"]
    for r, row in enumerate(packing.rows):  # each piece's last token predicts nothing
        c = 0
        for piece in row:
            c += piece.length
            assert labels[r, c - 1] == -100
            assert (
                labels[r, c - piece.length : c - 1].tolist()
                == ns["input_ids"][r, c - piece.length + 1 : c].tolist()
            )


def test_a_long_row_draws_the_mask_of_its_first_slots() -> None:
    _, doc = document_for([3000, 5], LayoutOptions(), {"row_mask": "causal"})
    assert doc.rows.row_length == 4096
    mask = doc.row_mask
    assert mask.shape == (MAX_MASK_SLOTS, MAX_MASK_SLOTS)
    assert mask.title.endswith(f"(first {MAX_MASK_SLOTS} of 4096)")
    assert mask.leaks == 0  # the row's first slots all hold sequence 0
