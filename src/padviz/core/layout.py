"""How torch lays a batch out: padded tensor, mask, PackedSequence, jagged view, waste.

Packing and unpacking are torch's own functions (pack_padded_sequence, pad_packed_sequence),
so what padviz shows is exactly what torch does, including what it does wrong: a left-padded
batch is packed as torch packs it (pads in, real tokens out), and where torch refuses to pack,
`packed` is None, `pack_error` holds torch's message and the pitfall says why. The padded
tensor is pad_sequence's, built in one numpy step (8 ms -> 1 ms at 256 x 1024; the tests hold
it equal to pad_sequence itself). The maps between views (cell <-> packed row <-> jagged
value) are numpy arrays, so a GUI can link hover and highlights without a Python loop per cell.

Coordinates: a *row* of the batch is its position in the order used (`Layout.order` maps it back
to the original sequence index); a *cell* is (row, t) with t the column of the padded tensor seen
batch-major, which equals the token index when padding is on the right.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

import numpy as np
import torch
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from padviz.core.batch import Batch
from padviz.core.options import ORDERS, LayoutError, LayoutOptions
from padviz.core.pitfalls import Pitfall, detect, padding_value_pitfall


class Bucket(NamedTuple):
    """Sequences padded together: original indices (consecutive rows of `Layout.order`) and the
    time steps they are padded to."""

    indices: np.ndarray
    max_len: int


@dataclass(frozen=True)
class WasteStats:
    """What padding costs. Cells are (sequence, time step) slots; bytes count the tensor data
    that an RNN reads: feature_size values of `dtype` per cell (padded) or per real token
    (packed), without the few bytes of batch_sizes and index tensors."""

    real_tokens: int
    pad_cells: int
    total_cells: int
    pad_ratio: float
    padded_bytes: int
    packed_bytes: int
    feature_size: int
    dtype: str

    def to_dict(self) -> dict[str, int | float | str]:
        return asdict(self)


def _itemsize(dtype: str) -> int:
    torch_dtype = getattr(torch, dtype, None)
    if not isinstance(torch_dtype, torch.dtype):
        raise LayoutError(f"dtype {dtype!r} is not a torch dtype name such as 'float32'")
    return torch_dtype.itemsize


def waste_stats(
    lengths: np.ndarray, buckets: list[Bucket], feature_size: int, dtype: str
) -> WasteStats:
    real = int(np.sum(lengths))
    total = sum(len(b.indices) * b.max_len for b in buckets)
    cell_bytes = feature_size * _itemsize(dtype)
    return WasteStats(
        real_tokens=real,
        pad_cells=total - real,
        total_cells=total,
        pad_ratio=(total - real) / total if total else 0.0,
        padded_bytes=total * cell_bytes,
        packed_bytes=real * cell_bytes,
        feature_size=feature_size,
        dtype=dtype,
    )


@dataclass(frozen=True, eq=False)
class Layout:
    """The views of one batch under one set of options (see the module docstring for the
    coordinates). Arrays are numpy unless named as torch tensors.

    In bucketed order `padded` is still one picture, the whole batch in bucket order padded to
    T; `buckets` says how many time steps each group really gets, and `stats` counts only those.
    """

    batch: Batch
    options: LayoutOptions
    order: np.ndarray  # (B,) original index of each row
    lengths: np.ndarray  # (B,) per row, after truncation
    T: int  # time steps of the padded tensor (after pad_to_multiple_of)
    padded: torch.Tensor  # token ids, (B, T) if batch_first else (T, B), as torch returns it
    mask: torch.Tensor  # bool, same shape: True on real tokens
    packed: PackedSequence | None  # None when torch refuses to pack
    pack_error: str | None  # torch's message when it refused
    packed_rows: np.ndarray  # (N, 2): (row, t) held by each packed data row
    row_time: np.ndarray  # (N,) time step of each packed row
    row_slot: np.ndarray  # (N,) position within its time step (0 = longest sequence)
    row_is_pad: np.ndarray  # (N,) True where a packed row holds padding (left padding)
    offsets: np.ndarray  # (B + 1,) cu_seqlens of the jagged view
    values: np.ndarray  # (offsets[-1],) the real tokens, row after row
    buckets: list[Bucket]
    stats: WasteStats
    pitfalls: list[Pitfall] = field(default_factory=list)

    @property
    def B(self) -> int:
        return len(self.order)

    @property
    def padded_bt(self) -> np.ndarray:
        """The padded tensor batch-major, (B, T), as a numpy view."""
        arr = self.padded.numpy()
        return arr if self.options.batch_first else arr.T

    @property
    def mask_bt(self) -> np.ndarray:
        arr = self.mask.numpy()
        return arr if self.options.batch_first else arr.T

    @property
    def batch_sizes(self) -> np.ndarray:
        """Sequences still running at each time step (empty when torch refused to pack)."""
        if self.packed is None:
            return np.zeros(0, np.int64)
        return self.packed.batch_sizes.numpy()

    @cached_property
    def cell_to_row(self) -> np.ndarray:
        """(B, T) batch-major: the packed row holding each cell, or -1. Built on first use
        (hover and highlights), which keeps it out of the time of every edit."""
        out = np.full((self.B, self.T), -1, np.int64)
        out[self.packed_rows[:, 0], self.packed_rows[:, 1]] = np.arange(len(self.packed_rows))
        return out

    @cached_property
    def unpacked(self) -> torch.Tensor | None:
        """pad_packed_sequence(packed, total_length=T): equal to `padded` unless packing lost
        tokens (left padding); None when torch refused to pack."""
        if self.packed is None:
            return None
        out, _ = pad_packed_sequence(
            self.packed,
            batch_first=self.options.batch_first,
            padding_value=self.options.padding_value,
            total_length=self.T,
        )
        return out

    def rows_at_time(self, t: int) -> range:
        """The packed data rows of time step t."""
        starts = np.concatenate([[0], np.cumsum(self.batch_sizes)])
        if not 0 <= t < len(self.batch_sizes):
            return range(0)
        return range(int(starts[t]), int(starts[t + 1]))

    def cell_of_row(self, r: int) -> tuple[int, int]:
        """(row, t) of the cell that packed row r holds."""
        row, t = self.packed_rows[r]
        return int(row), int(t)

    def value_cells(self) -> np.ndarray:
        """(offsets[-1], 2): the (row, t) cell of each jagged value."""
        rows = np.repeat(np.arange(self.B), self.lengths)
        k = np.arange(len(rows)) - self.offsets[rows]
        if self.options.padding_side == "left":
            k = k + (self.T - self.lengths)[rows]
        return np.stack([rows, k], axis=1)

    def cell_to_value(self, row: int, t: int) -> int | None:
        """Index into `values` of cell (row, t), or None for a pad."""
        n = int(self.lengths[row])
        k = t - (self.T - n) if self.options.padding_side == "left" else t
        return int(self.offsets[row]) + k if 0 <= k < n else None


# -- computing ---------------------------------------------------------------------------------
def _round_up(n: int, multiple: int | None) -> int:
    return -(-n // multiple) * multiple if multiple else n


def plan(
    raw_lengths: np.ndarray, options: LayoutOptions
) -> tuple[np.ndarray, np.ndarray, int, list[Bucket]]:
    """(order, lengths in that order after truncation, T, buckets) without building any
    tensor: what the layout, the waste comparison and the generated code all start from."""
    eff = raw_lengths if options.max_length is None else np.minimum(raw_lengths, options.max_length)
    order = np.arange(len(eff)) if options.order == "given" else np.argsort(-eff, kind="stable")
    lengths = eff[order]
    T = _round_up(int(lengths.max(initial=0)), options.pad_to_multiple_of)
    if options.order == "bucketed":
        parts = np.array_split(np.arange(len(order)), min(options.buckets, len(order)))
        buckets = [
            Bucket(order[p], _round_up(int(lengths[p].max()), options.pad_to_multiple_of))
            for p in parts
        ]
    else:
        buckets = [Bucket(order, T)]
    return order, lengths, T, buckets


def _cell_format(batch: Batch, feature_size: int | None, dtype: str | None) -> tuple[int, str]:
    """Without a feature size the RNN would read the int64 id tensor itself."""
    size = feature_size if feature_size is not None else batch.feature_size
    if size is None:
        return 1, dtype or "int64"
    return size, dtype or "float32"


def compare_waste(
    batch: Batch,
    options: LayoutOptions,
    *,
    feature_size: int | None = None,
    dtype: str | None = None,
) -> dict[str, WasteStats]:
    """Waste of the batch in each order (given, sorted, bucketed), other options kept.
    Given and sorted pad to the same T; only bucketing saves cells."""
    size, dt = _cell_format(batch, feature_size, dtype)
    out: dict[str, WasteStats] = {}
    for order in ORDERS:
        _, lengths, _, buckets = plan(batch.lengths_array, replace(options, order=order))
        out[order] = waste_stats(lengths, buckets, size, dt)
    return out


def compute_layout(
    batch: Batch,
    options: LayoutOptions | None = None,
    *,
    feature_size: int | None = None,
    dtype: str | None = None,
) -> Layout:
    """Lay the batch out as torch does. `feature_size` / `dtype` only affect the byte counts:
    by default the batch's feature size in float32, or the int64 ids without one."""
    options = options or LayoutOptions()
    if not batch.sequences:
        raise LayoutError("the batch is empty: there is nothing to lay out")
    raw = batch.lengths_array
    order, lengths, T, buckets = plan(raw, options)
    offsets = np.zeros(len(order) + 1, np.int64)
    np.cumsum(lengths, out=offsets[1:])
    values = _row_values(batch, order, lengths, options)
    time = np.arange(T)
    if options.padding_side == "right":
        mask_bt = time[None, :] < lengths[:, None]
    else:
        mask_bt = time[None, :] >= (T - lengths)[:, None]
    padded = _padded(values, mask_bt, options)
    mask = torch.from_numpy(mask_bt)
    pitfalls = detect(raw[order], T, options) + padding_value_pitfall(values, options)
    try:
        packed: PackedSequence | None = pack_padded_sequence(
            padded,
            torch.from_numpy(lengths),
            batch_first=options.batch_first,
            enforce_sorted=options.enforce_sorted,
        )
        pack_error = None
    except RuntimeError as exc:
        packed, pack_error = None, str(exc)
    packed_rows, row_time, row_slot = _packed_rows(packed)

    size, dt = _cell_format(batch, feature_size, dtype)
    return Layout(
        batch=batch,
        options=options,
        order=order,
        lengths=lengths,
        T=T,
        padded=padded,
        mask=mask if options.batch_first else mask.T,
        packed=packed,
        pack_error=pack_error,
        packed_rows=packed_rows,
        row_time=row_time,
        row_slot=row_slot,
        row_is_pad=~mask_bt[packed_rows[:, 0], packed_rows[:, 1]],
        offsets=offsets,
        values=values,
        buckets=buckets,
        stats=waste_stats(lengths, buckets, size, dt),
        pitfalls=pitfalls,
    )


def _row_values(
    batch: Batch, order: np.ndarray, lengths: np.ndarray, options: LayoutOptions
) -> np.ndarray:
    """The kept tokens of each row, row after row, taken from the batch's flat ids."""
    if options.order == "given" and options.max_length is None:
        return batch.flat_values.copy()
    starts = batch.offsets[order].tolist()
    return np.concatenate(
        [batch.flat_values[a : a + n] for a, n in zip(starts, lengths.tolist(), strict=False)]
    )


def _padded(values: np.ndarray, mask_bt: np.ndarray, options: LayoutOptions) -> torch.Tensor:
    """pad_sequence's tensor, grown to T time steps on the padding side (pad_to_multiple_of):
    the padding value everywhere, the rows' tokens where the (B, T) mask is set, in torch's
    orientation and contiguous as pad_sequence returns it. int64 ids, or float64 when the
    padding value has a fraction."""
    dtype = np.int64 if options.integral_padding else np.float64
    rows, steps = mask_bt.shape
    if options.batch_first:
        padded = np.full((rows, steps), options.padding_value, dtype)
        padded[mask_bt] = values  # row after row, as `values` runs
    else:
        padded = np.full((steps, rows), options.padding_value, dtype)
        padded.T[mask_bt] = values
    return torch.from_numpy(padded)


def _packed_rows(packed: PackedSequence | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(packed_rows, row_time, row_slot) read off batch_sizes and sorted_indices: data rows run
    time step after time step, each time step's slots in sorted (longest first) order."""
    if packed is None:
        empty = np.zeros(0, np.int64)
        return np.zeros((0, 2), np.int64), empty, empty
    sizes = packed.batch_sizes.numpy()
    n = int(sizes.sum())
    row_time = np.repeat(np.arange(len(sizes)), sizes)
    row_slot = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    packed_rows = np.empty((n, 2), np.int64)
    if packed.sorted_indices is None:  # enforce_sorted=True: slot j is row j
        packed_rows[:, 0] = row_slot
    else:
        packed_rows[:, 0] = packed.sorted_indices.numpy()[row_slot]
    packed_rows[:, 1] = row_time
    return packed_rows, row_time, row_slot


# -- words for the views -----------------------------------------------------------------------
def _token_words(layout: Layout, token: int) -> str:
    text = layout.batch.token_text(token) if layout.batch.vocab is not None else None
    return f"token {text!r} (id {token})" if text is not None else f"token {token}"


def _seq_words(layout: Layout, row: int) -> str:
    original = int(layout.order[row])
    return f"sequence {original}" + (f" (row {row})" if original != row else "")


def _row_words(layout: Layout, r: int) -> str:
    t = int(layout.row_time[r])
    return (
        f"packed row {r} (time step {t}, slot {int(layout.row_slot[r]) + 1} of "
        f"{int(layout.batch_sizes[t])})"
    )


def describe_cell(layout: Layout, seq: int, t: int) -> str:
    """One line for the cell at row `seq`, column `t` (batch-major), e.g.
    "sequence 2, t=4 -> packed row 11 (time step 4, slot 1 of 2), token 9"."""
    if not (0 <= seq < layout.B and 0 <= t < layout.T):
        raise IndexError(f"cell ({seq}, {t}) is outside the {layout.B} x {layout.T} batch")
    head = f"{_seq_words(layout, seq)}, t={t}"
    real = bool(layout.mask_bt[seq, t])
    r = int(layout.cell_to_row[seq, t])
    if layout.packed is None:
        what = _token_words(layout, int(layout.padded_bt[seq, t])) if real else "padding"
        return f"{head}: {what} (not packed: torch refused to pack this batch)"
    if real and r >= 0:
        token = _token_words(layout, int(layout.padded_bt[seq, t]))
        return f"{head} -> {_row_words(layout, r)}, {token}"
    if real:
        return (
            f"{head}: {_token_words(layout, int(layout.padded_bt[seq, t]))}, dropped from the "
            "packed data (left padding, then packing)"
        )
    if r >= 0:
        return (
            f"{head}: padding, yet packed as {_row_words(layout, r)} (left padding, then packing)"
        )
    return f"{head}: padding (not in the packed data)"


def describe_row(layout: Layout, r: int) -> str:
    """One line for packed data row r, e.g. "packed row 11 (time step 4, slot 1 of 2):
    sequence 2, t=4, token 9"."""
    if not 0 <= r < len(layout.packed_rows):
        raise IndexError(f"packed row {r} does not exist ({len(layout.packed_rows)} rows)")
    seq, t = layout.cell_of_row(r)
    held = (
        "padding" if layout.row_is_pad[r] else _token_words(layout, int(layout.padded_bt[seq, t]))
    )
    return f"{_row_words(layout, r)}: {_seq_words(layout, seq)}, t={t}, {held}"
