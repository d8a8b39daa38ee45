"""What the explorer's heatmaps draw, computed from a Layout: colour codes, cell text, axis ticks
and the maps between a drawn cell and the batch cell (row, t) it shows.

Every grid is indexed as drawn, (r, c) with r = 0 at the top. Colour codes are uint8 so a GUI can
colour a whole grid with one 256-entry lookup table: EMPTY (no cell at all), PAD, and for token
ids TOKEN_OFFSET + a level in 0..TOKEN_LEVELS-1 (ids spread evenly over the levels); mask grids
use PAD and REAL. Batch cells are (row, t) as in padviz.core.layout: the row in the order used
and the batch-major column of the padded tensor.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # a type only: the GUI imports these grids' vocabulary without torch
    from padviz.core.layout import Layout

EMPTY = 0
PAD = 1
REAL = 2
LEAK = 3  # a row mask's cell that lets a token see another sequence (row_mask "causal")
TOKEN_OFFSET = 2
TOKEN_LEVELS = 254
_TABLE_LIMIT = 1 << 20  # vocabularies up to this size map ids through a table
MAX_TICKS = 1 << 14  # name the ticks of axes up to this long (a GUI shows those that fit)

Key = tuple[int, int]
Ticks = list[tuple[float, str]]


def token_codes(ids: np.ndarray, vocab_size: int) -> np.ndarray:
    """Colour codes (uint8) of token ids 1..vocab_size-1, spread over the token levels."""
    ids = np.asarray(ids)
    if ids.dtype.kind != "i":
        ids = ids.astype(np.int64)
    top = max(int(vocab_size) - 1, 1)
    span = max(top - 1, 1)
    if top < _TABLE_LIMIT:
        return np.take(_code_table(top, span), ids, mode="clip")
    level = ((np.clip(ids, 1, top) - 1) * (TOKEN_LEVELS - 1)) // span
    return (level + TOKEN_OFFSET).astype(np.uint8)


@lru_cache(maxsize=16)
def _code_table(top: int, span: int) -> np.ndarray:
    """Colour code of every id 0..top (0 gets the lowest level; pads are recoloured anyway)."""
    table = np.empty(top + 1, np.uint8)
    table[0] = TOKEN_OFFSET
    table[1:] = TOKEN_OFFSET + (np.arange(top) * (TOKEN_LEVELS - 1)) // span
    table.flags.writeable = False
    return table


def format_values(layout: Layout, values: np.ndarray) -> list[str]:
    """Cell text: the token's vocabulary text when the batch has one and the value is an id in
    it, else the number ("0", "-1", "0.5")."""
    vals = np.asarray(values)
    vocab = layout.batch.vocab
    whole = vals if vals.dtype.kind == "i" else None
    if whole is None:
        integral = np.isfinite(vals) & (vals == np.round(vals))
        out = [f"{v:g}" for v in vals.tolist()]
        if vocab is None:
            return out
        for k in np.flatnonzero(integral & (vals >= 0) & (vals < len(vocab))).tolist():
            out[k] = vocab[int(vals[k])]
        return out
    if vocab is None:
        return [str(v) for v in whole.tolist()]
    n = len(vocab)
    return [vocab[v] if 0 <= v < n else str(v) for v in whole.tolist()]


def _index_ticks(labels: list[str], limit: int = MAX_TICKS) -> Ticks | None:
    if len(labels) > limit:
        return None
    return [(i + 0.5, s) for i, s in enumerate(labels)]


@lru_cache(maxsize=8)
def _number_ticks(n: int) -> Ticks | None:
    """Ticks 0..n-1 at the cell centres (shared, so views can tell unchanged ticks by identity)."""
    return _index_ticks([str(i) for i in range(n)])


@dataclass
class Grid(ABC):
    """Base of the four grids: colour codes plus the maps to and from batch cells."""

    layout: Layout
    title: str = ""
    row_label: str = ""
    col_label: str = ""
    codes: np.ndarray = field(init=False)

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.codes.shape
        return rows, cols

    @abstractmethod
    def key_at(self, r: int, c: int) -> Key | None:
        """The batch cell (row, t) drawn at (r, c), or None outside the cells."""

    @abstractmethod
    def cells_of(self, keys: np.ndarray) -> np.ndarray:
        """(K', 2) drawn cells (r, c) of the batch cells `keys` ((K, 2) of (row, t)); batch
        cells this grid does not draw are left out."""

    @abstractmethod
    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        """Text of the drawn cells (r[i], c[i])."""

    def sublabels(self, r: np.ndarray, c: np.ndarray) -> list[str] | None:
        """A second, smaller line of text for those cells, or None."""
        return None

    def row_ticks(self) -> Ticks | None:
        return None

    def col_ticks(self) -> Ticks | None:
        return None

    def _inside(self, r: int, c: int) -> bool:
        rows, cols = self.shape
        return 0 <= r < rows and 0 <= c < cols


def _sequence_names(layout: Layout) -> list[str]:
    return [str(i) for i in layout.order.tolist()]


def _order_words(layout: Layout) -> str:
    return {"given": "", "sorted": ", sorted by length", "bucketed": ", sorted, bucketed"}[
        layout.options.order
    ]


@dataclass
class PaddedGrid(Grid):
    """The padded tensor (kind "padded") or its mask (kind "mask"), in the orientation torch
    returns for the layout's batch_first."""

    kind: str = "padded"

    def __post_init__(self) -> None:
        lay = self.layout
        mask = lay.mask.numpy()
        if self.kind == "mask":
            self.codes = mask.view(np.uint8) + np.uint8(PAD)
        else:
            self.codes = token_codes(lay.padded.numpy(), lay.batch.vocab_size)
            np.copyto(self.codes, PAD, where=~mask)
        seq = f"sequence{_order_words(lay)}"
        bf = lay.options.batch_first
        self.row_label, self.col_label = (seq, "time step t") if bf else ("time step t", seq)
        shape = "B x T" if bf else "T x B"
        name = "padded" if self.kind == "padded" else "mask"
        self.title = f"{name}  ({shape} = {' x '.join(map(str, self.codes.shape))})"

    def _key(self, r: int, c: int) -> Key:
        return (r, c) if self.layout.options.batch_first else (c, r)

    def key_at(self, r: int, c: int) -> Key | None:
        return self._key(r, c) if self._inside(r, c) else None

    def cells_of(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, np.int64).reshape(-1, 2)
        return keys if self.layout.options.batch_first else keys[:, ::-1]

    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        if self.kind == "mask":
            return ["1" if m else "0" for m in self.layout.mask.numpy()[r, c].tolist()]
        return format_values(self.layout, self.layout.padded.numpy()[r, c])

    def _seq_ticks(self) -> Ticks | None:
        return _index_ticks(_sequence_names(self.layout))

    def _time_ticks(self) -> Ticks | None:
        return _number_ticks(self.layout.T)

    def row_ticks(self) -> Ticks | None:
        return self._seq_ticks() if self.layout.options.batch_first else self._time_ticks()

    def col_ticks(self) -> Ticks | None:
        return self._time_ticks() if self.layout.options.batch_first else self._seq_ticks()

    def bucket_rects(self) -> list[tuple[int, int, int, int]]:
        """(r0, c0, rows, cols) of each bucket, as drawn, when the order is bucketed."""
        lay = self.layout
        if lay.options.order != "bucketed":
            return []
        rects, start = [], 0
        for bucket in lay.buckets:
            n = len(bucket.indices)
            t0 = 0 if lay.options.padding_side == "right" else lay.T - bucket.max_len
            rect = (start, t0, n, bucket.max_len)
            if not lay.options.batch_first:
                rect = (t0, start, bucket.max_len, n)
            rects.append(rect)
            start += n
        return rects


@dataclass
class PackedGrid(Grid):
    """PackedSequence.data grouped by time step: row r holds the batch_sizes[r] data rows of
    time step r, slot c the c-th longest sequence still running (sorted_indices order). Cells
    past batch_sizes[r] are EMPTY; data rows that hold padding (left padding) are PAD."""

    def __post_init__(self) -> None:
        lay = self.layout
        sizes = lay.batch_sizes
        self.starts = np.zeros(len(sizes) + 1, np.int64)
        np.cumsum(sizes, out=self.starts[1:])
        self.codes = np.full((len(sizes), lay.B if len(sizes) else 0), EMPTY, np.uint8)
        if lay.packed is not None:
            data = self.data
            codes = token_codes(data, lay.batch.vocab_size)
            codes[lay.row_is_pad] = PAD
            self.codes[lay.row_time, lay.row_slot] = codes
        self.row_label = "time step t"
        self.col_label = "slot (sequences by length)"
        n = len(lay.packed_rows)
        self.title = f"packed  ({n} data rows by time step)"

    @cached_property
    def data(self) -> np.ndarray:
        """The token id in each packed data row (the first feature when data is 2-D)."""
        packed = self.layout.packed
        if packed is None:
            return np.zeros(0, np.int64)
        data = packed.data.numpy()
        return data.reshape(len(data), -1)[:, 0] if data.ndim > 1 else data

    def data_row(self, r: int, c: int) -> int | None:
        """The packed data row drawn at (r, c), or None."""
        if not self._inside(r, c) or c >= self.starts[r + 1] - self.starts[r]:
            return None
        return int(self.starts[r] + c)

    def key_at(self, r: int, c: int) -> Key | None:
        p = self.data_row(r, c)
        return None if p is None else self.layout.cell_of_row(p)

    def cells_of(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, np.int64).reshape(-1, 2)
        lay = self.layout
        p = lay.cell_to_row[keys[:, 0], keys[:, 1]]
        p = p[p >= 0]
        return np.stack([lay.row_time[p], lay.row_slot[p]], axis=1)

    def cells_at_time(self, t: int) -> np.ndarray:
        """(K, 2) drawn cells of time step t's data rows."""
        if not 0 <= t < self.shape[0]:
            return np.zeros((0, 2), np.int64)
        n = int(self.starts[t + 1] - self.starts[t])
        return np.stack([np.full(n, t), np.arange(n)], axis=1)

    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        return format_values(self.layout, self.data[self.starts[r] + c])

    def sublabels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        return [f"#{p}" for p in (self.starts[r] + c).tolist()]

    def row_ticks(self) -> Ticks | None:
        return _number_ticks(self.shape[0])

    def col_ticks(self) -> Ticks | None:
        names = _sequence_names(self.layout)
        return _index_ticks([f"seq {names[i]}" for i in self.slot_rows().tolist()])

    def slot_rows(self) -> np.ndarray:
        """The batch row packed in each slot (sorted_indices, or the given order)."""
        packed = self.layout.packed
        if packed is None:
            return np.zeros(0, np.int64)
        if packed.sorted_indices is None:
            return np.arange(self.layout.B)
        return packed.sorted_indices.numpy()


def _index_list(array, limit: int = 16) -> str:
    """ "[2, 0, 1]" for a tensor or array, cut after `limit` items; "None" for None."""
    if array is None:
        return "None"
    items = array.tolist()
    shown = ", ".join(map(str, items[:limit]))
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


PACKING_REFUSED = "torch refused to pack this batch: see the pitfall panel"


def packed_summary(layout: Layout) -> str:
    """Two lines on the sort order of the PackedSequence, or one saying there is none (torch's
    reason is long: the pitfall panel shows it, see `PACKING_REFUSED`)."""
    packed = layout.packed
    if packed is None:
        return "not packed: torch refused"
    if packed.sorted_indices is None:
        return "sorted_indices = None, unsorted_indices = None (enforce_sorted=True: given order)"
    return (
        f"sorted_indices = {_index_list(packed.sorted_indices, 10)}\n"
        f"unsorted_indices = {_index_list(packed.unsorted_indices, 10)}"
    )


@dataclass
class JaggedGrid(Grid):
    """The jagged view: one strip of every real token back to back (`values`), cut into
    sequences at `offsets` (cu_seqlens)."""

    def __post_init__(self) -> None:
        lay = self.layout
        self.codes = token_codes(lay.values, lay.batch.vocab_size).reshape(1, -1)
        self.row_label = "values"
        self.col_label = "index into values"
        offs = _index_list(lay.offsets, 12)
        self.title = f"jagged  (values: {len(lay.values)} tokens, offsets = cu_seqlens = {offs})"

    def key_at(self, r: int, c: int) -> Key | None:
        if not self._inside(r, c):
            return None
        lay = self.layout
        row = int(np.searchsorted(lay.offsets, c, side="right")) - 1
        k = c - int(lay.offsets[row])
        if lay.options.padding_side == "left":
            k += lay.T - int(lay.lengths[row])
        return row, k

    def cells_of(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, np.int64).reshape(-1, 2)
        lay = self.layout
        rows, t = keys[:, 0], keys[:, 1]
        n = lay.lengths[rows]
        k = t - (lay.T - n) if lay.options.padding_side == "left" else t
        ok = (k >= 0) & (k < n)
        c = lay.offsets[rows[ok]] + k[ok]
        return np.stack([np.zeros_like(c), c], axis=1)

    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        return format_values(self.layout, self.layout.values[c])

    def sublabels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        return [str(i) for i in c.tolist()]

    def offset_ticks(self) -> Ticks | None:
        """Ticks at the sequence boundaries, labelled with the offsets."""
        offs = self.layout.offsets.tolist()
        if len(offs) > MAX_TICKS:
            return None
        return [(float(o), str(o)) for o in offs]

    def col_ticks(self) -> Ticks | None:
        """One tick per sequence, at its middle, naming it."""
        lay = self.layout
        if lay.B > MAX_TICKS:
            return None
        mid = (lay.offsets[:-1] + lay.offsets[1:]) / 2
        names = _sequence_names(lay)
        return [(float(m), f"seq {n}") for m, n in zip(mid.tolist(), names, strict=False)]


def describe_time(layout: Layout, t: int) -> str:
    """One line for time step t of the packed data, e.g.
    "t=4: 2 sequences still running (packed rows 11-12)"."""
    sizes = layout.batch_sizes
    if not 0 <= t < len(sizes):
        return f"t={t}: no packed rows"
    n = int(sizes[t])
    rows = layout.rows_at_time(t)
    span = f"packed row {rows.start}" if n == 1 else f"packed rows {rows.start}-{rows.stop - 1}"
    running = "1 sequence still running" if n == 1 else f"{n} sequences still running"
    return f"t={t}: {running} ({span})"


def time_cells(layout: Layout, t: int) -> np.ndarray:
    """(K, 2) batch cells (row, t') read at time step t: those torch packed at t, or, when it
    refused to pack, the real tokens in column t."""
    if layout.packed is not None:
        rows = layout.rows_at_time(t)
        return layout.packed_rows[rows.start : rows.stop]
    if not 0 <= t < layout.T:
        return np.zeros((0, 2), np.int64)
    running = np.flatnonzero(layout.mask_bt[:, t])
    return np.stack([running, np.full(len(running), t)], axis=1)


def time_steps(layout: Layout) -> int:
    """How many time steps an LSTM walks through the packed batch (0 if torch refused to pack)."""
    return len(layout.batch_sizes)


def time_caption(layout: Layout, t: int) -> str:
    """The walk's caption at time step t, batch_sizes[t] called out, e.g.
    "t=4: 3 sequences still running (packed rows 9-11), batch_sizes[4] = 3"."""
    steps = time_steps(layout)
    if steps == 0:
        return "torch refused to pack this batch, so there is no packed time step to show"
    if not 0 <= t < steps:
        raise IndexError(f"time step {t} is outside 0..{steps - 1}")
    return f"{describe_time(layout, t)}, batch_sizes[{t}] = {int(layout.batch_sizes[t])}"
