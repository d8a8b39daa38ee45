"""padviz.core.views: the heatmap grids hold what torch produced, and their cell maps agree."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

from padviz.core.batch import from_lengths, from_text
from padviz.core.layout import compute_layout
from padviz.core.options import LayoutOptions
from padviz.core.views import (
    EMPTY,
    PAD,
    REAL,
    TOKEN_LEVELS,
    TOKEN_OFFSET,
    JaggedGrid,
    PackedGrid,
    PaddedGrid,
    describe_time,
    format_values,
    packed_summary,
    time_cells,
    token_codes,
)

lengths_st = st.lists(st.integers(1, 9), min_size=1, max_size=6)
options_st = st.builds(
    LayoutOptions,
    batch_first=st.booleans(),
    padding_side=st.sampled_from(["right", "left"]),
    padding_value=st.sampled_from([0, -1, 2.5]),
    pad_to_multiple_of=st.sampled_from([None, 4]),
    max_length=st.sampled_from([None, 5]),
    order=st.sampled_from(["given", "sorted", "bucketed"]),
)


def _cells(grid) -> tuple[np.ndarray, np.ndarray]:
    r, c = np.nonzero(grid.codes != EMPTY)
    return r, c


@settings(max_examples=40, deadline=None)
@given(lengths=lengths_st, options=options_st)
def test_padded_and_mask_grids_are_torch_tensors_as_drawn(lengths, options) -> None:
    lay = compute_layout(from_lengths(lengths), options)
    padded, mask = PaddedGrid(lay), PaddedGrid(lay, kind="mask")
    assert padded.shape == tuple(lay.padded.shape) == mask.shape
    np.testing.assert_array_equal(padded.codes == PAD, ~lay.mask.numpy())
    np.testing.assert_array_equal(mask.codes, np.where(lay.mask.numpy(), REAL, PAD))
    r, c = _cells(padded)
    expected = lay.padded.numpy()[r, c]
    assert padded.labels(r, c) == [
        f"{v:g}" if isinstance(v, float) else str(v) for v in expected.tolist()
    ]
    for rr, cc in zip(r.tolist(), c.tolist(), strict=False):
        key = padded.key_at(rr, cc)
        assert padded.cells_of(np.array([key])).tolist() == [[rr, cc]]
        assert bool(lay.mask_bt[key]) == bool(lay.mask.numpy()[rr, cc])


@settings(max_examples=40, deadline=None)
@given(lengths=lengths_st, options=options_st)
def test_packed_grid_holds_packed_data_by_time_step(lengths, options) -> None:
    batch = from_lengths(lengths)
    lay = compute_layout(batch, options)
    grid = PackedGrid(lay)
    if lay.packed is None:
        assert grid.codes.size == 0 and "refused" in packed_summary(lay)
        return
    # torch itself, on the very padded tensor the layout shows
    packed = pack_padded_sequence(
        lay.padded,
        torch.from_numpy(lay.lengths),
        batch_first=options.batch_first,
        enforce_sorted=options.enforce_sorted,
    )
    filled = grid.codes != EMPTY
    np.testing.assert_array_equal(filled.sum(axis=1), packed.batch_sizes.numpy())
    r, c = _cells(grid)
    rows = grid.starts[r] + c
    np.testing.assert_array_equal(np.sort(rows), np.arange(len(packed.data)))
    values = packed.data.numpy()[rows]
    assert grid.labels(r, c) == format_values(lay, values)
    np.testing.assert_array_equal(grid.codes[r, c] == PAD, lay.row_is_pad[rows])
    for rr, cc, p in zip(r.tolist(), c.tolist(), rows.tolist(), strict=False):
        key = grid.key_at(rr, cc)
        assert key == lay.cell_of_row(p)
        assert grid.cells_of(np.array([key])).tolist() == [[rr, cc]]
    for t in range(grid.shape[0]):
        assert grid.cells_at_time(t).tolist() == [[t, k] for k in range(int(packed.batch_sizes[t]))]
        np.testing.assert_array_equal(
            time_cells(lay, t),
            lay.packed_rows[lay.rows_at_time(t).start : lay.rows_at_time(t).stop],
        )


@settings(max_examples=40, deadline=None)
@given(lengths=lengths_st, options=options_st)
def test_jagged_grid_is_values_cut_at_offsets(lengths, options) -> None:
    batch = from_lengths(lengths)
    lay = compute_layout(batch, options)
    grid = JaggedGrid(lay)
    kept = [torch.tensor(batch.sequences[i][: lay.lengths[k]]) for k, i in enumerate(lay.order)]
    values = torch.cat(kept)
    assert grid.shape == (1, len(values))
    c = np.arange(len(values))
    assert grid.labels(np.zeros_like(c), c) == [str(v) for v in values.tolist()]
    for k in c.tolist():
        key = grid.key_at(0, k)
        assert lay.mask_bt[key]  # every value is a real token of the padded tensor
        assert lay.padded_bt[key] == values[k]
        assert grid.cells_of(np.array([key])).tolist() == [[0, k]]
    ticks = grid.offset_ticks()
    assert [int(p) for p, _ in ticks] == [0, *np.cumsum([len(s) for s in kept]).tolist()]


def test_pad_cells_are_not_in_the_jagged_or_packed_views() -> None:
    lay = compute_layout(from_lengths([3, 1]))
    pad_cell = np.array([[1, 2]])  # sequence 1, t=2
    assert JaggedGrid(lay).cells_of(pad_cell).tolist() == []
    assert PackedGrid(lay).cells_of(pad_cell).tolist() == []
    assert JaggedGrid(lay).key_at(0, 5) is None


def test_token_codes_spread_ids_over_the_levels_in_order() -> None:
    codes = token_codes(np.arange(1, 16), 16)
    assert codes[0] == TOKEN_OFFSET and codes[-1] == TOKEN_OFFSET + TOKEN_LEVELS - 1
    assert np.all(np.diff(codes.astype(int)) > 0)
    assert codes.dtype == np.uint8
    huge = token_codes(np.array([1, 10**9, 2 * 10**9 - 1]), 2 * 10**9)
    assert huge.tolist() == [TOKEN_OFFSET, TOKEN_OFFSET + 126, TOKEN_OFFSET + TOKEN_LEVELS - 1]
    # pads may hold any value: codes stay in range, pads are recoloured by the grids
    assert token_codes(np.array([-5.0, 99.0]), 16).tolist() == [TOKEN_OFFSET, codes[-1]]


def test_cell_text_reads_ids_through_the_vocabulary() -> None:
    lay = compute_layout(from_text("the cat\nhi"))
    assert format_values(lay, np.array([1, 2, 0, 99])) == ["the", "cat", "<pad>", "99"]
    assert format_values(lay, np.array([1.0, 2.5])) == ["the", "2.5"]
    grid = PaddedGrid(lay, kind="mask")
    assert grid.labels(np.array([0, 1]), np.array([1, 1])) == ["1", "0"]


def test_titles_ticks_and_summaries() -> None:
    lay = compute_layout(from_lengths([5, 3, 7]), LayoutOptions(order="sorted"))
    padded = PaddedGrid(lay)
    assert padded.title.startswith("padded") and "T x B = 7 x 3" in padded.title
    assert padded.col_ticks() == [(0.5, "2"), (1.5, "0"), (2.5, "1")]  # sequences, sorted
    assert PackedGrid(lay).col_ticks() == [(0.5, "seq 2"), (1.5, "seq 0"), (2.5, "seq 1")]
    assert packed_summary(lay) == "sorted_indices = [0, 1, 2]\nunsorted_indices = [0, 1, 2]"
    assert describe_time(lay, 4) == "t=4: 2 sequences still running (packed rows 11-12)"
    assert describe_time(lay, 6) == "t=6: 1 sequence still running (packed row 14)"
    assert describe_time(lay, 9) == "t=9: no packed rows"


def test_bucket_rects_outline_each_bucket_as_drawn() -> None:
    options = LayoutOptions(order="bucketed", buckets=2, batch_first=True)
    lay = compute_layout(from_lengths([5, 3, 7, 1]), options)
    assert PaddedGrid(lay).bucket_rects() == [(0, 0, 2, 7), (2, 0, 2, 3)]
    left = compute_layout(from_lengths([5, 3, 7, 1]), LayoutOptions(order="bucketed"))
    assert PaddedGrid(left).bucket_rects() == [(0, 0, 7, 2), (0, 2, 3, 2)]


def test_refused_pack_has_time_cells_from_the_mask() -> None:
    lay = compute_layout(from_lengths([2, 5]), LayoutOptions(enforce_sorted=True))
    assert lay.packed is None
    assert time_cells(lay, 3).tolist() == [[1, 3]]
    reference = pad_sequence([torch.ones(2), torch.ones(5)])
    assert PaddedGrid(lay).shape == tuple(reference.shape)
