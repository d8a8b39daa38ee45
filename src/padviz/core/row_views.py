"""The explorer's row-packing views, computed from a Layout: the batch packed into rows as
transformers train (padviz.core.row_packing), and the attention mask of one row.

`RowsGrid` draws the rows, one cell per slot, coloured by the sequence it holds, with the
token's text and its position id; `RowMaskGrid` draws the (L, L) attention mask of one row
(causal and block-diagonal, causal only, or the padded batch's key padding mask with the causal
mask, for comparison). Both map their cells to batch cells (row, t) like the other grids, so a
hovered token lights up wherever it is. Row packing starts from the batch as given (after
max_length truncation); empty sequences hold no slot.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from padviz.core.errors import PadvizError
from padviz.core.layout import WasteStats
from padviz.core.limits import MAX_LENGTH
from padviz.core.row_packing import RowPacking, pack_rows
from padviz.core.views import (
    EMPTY,
    LEAK,
    PAD,
    REAL,
    Grid,
    Key,
    Ticks,
    _index_ticks,
    _number_ticks,
    format_values,
    token_codes,
)

if TYPE_CHECKING:
    from padviz.core.layout import Layout

MAX_MASK_SLOTS = 2048  # a mask is (L, L): longer rows show their first slots' mask
ROW_PAD_TEXT = "·"


def _causal(n: int) -> np.ndarray:
    """(n, n) bool: a query may attend to its own slot and the ones before it."""
    return np.tri(n, dtype=bool)


def auto_row_length(lengths: np.ndarray) -> int:
    """The longest sequence rounded up to a power of two: every sequence fits one row."""
    longest = int(np.max(lengths, initial=1))
    return min(1 << max(longest - 1, 0).bit_length(), MAX_LENGTH)


def given_lengths(layout: Layout) -> np.ndarray:
    """(B,) the lengths after truncation, in the batch's given order."""
    lengths = np.zeros(layout.B, np.int64)
    lengths[layout.order] = layout.lengths
    return lengths


def pack_layout(layout: Layout) -> tuple[RowPacking | None, int, str | None]:
    """The layout's batch packed into rows under its options: (packing, row length, None), or
    (None, row length, why) when a sequence does not fit (row_overflow "error")."""
    o = layout.options
    lengths = given_lengths(layout)
    row_length = o.row_length or auto_row_length(lengths)
    kept = np.flatnonzero(lengths > 0)
    try:
        packing = pack_rows(
            lengths[kept].tolist(),
            row_length,
            o.row_algorithm,
            o.row_overflow,
            indices=kept.tolist(),
        )
    except PadvizError as exc:
        return None, row_length, str(exc)
    return packing, row_length, None


def rows_waste(packing: RowPacking, stats: WasteStats) -> WasteStats:
    """The waste of the row-packed batch, in the cells and bytes of `stats` (the padded one)."""
    total = len(packing.rows) * packing.row_length
    cell_bytes = stats.padded_bytes // max(stats.total_cells, 1)
    return WasteStats(
        real_tokens=packing.real_tokens,
        pad_cells=packing.pad_tokens,
        total_cells=total,
        pad_ratio=packing.pad_tokens / total if total else 0.0,
        padded_bytes=total * cell_bytes,
        packed_bytes=packing.real_tokens * cell_bytes,
        feature_size=stats.feature_size,
        dtype=stats.dtype,
    )


def _cell_of(layout: Layout, sequence: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Batch cells (row, t) of token k of each given-order `sequence`."""
    inverse = np.empty(layout.B, np.int64)
    inverse[layout.order] = np.arange(layout.B)
    rows = inverse[sequence]
    t = k + (layout.T - layout.lengths[rows] if layout.options.padding_side == "left" else 0)
    return rows, t


@dataclass
class RowsGrid(Grid):
    """The rows: slot (r, c) holds token k of a sequence, or row padding (PAD). Colour by
    sequence; each cell's text is its token, the smaller line its position id."""

    packing: RowPacking | None = None
    row_length: int = 1
    error: str | None = None
    sequence: np.ndarray = field(init=False)  # (R, L) given-order index, -1 for padding
    position: np.ndarray = field(init=False)  # (R, L) token index in its sequence, -1

    def __post_init__(self) -> None:
        p = self.packing
        shape = (len(p.rows), self.row_length) if p is not None else (0, 0)
        # the packing's own per-slot sequence and position ids (-1 for row padding)
        self.sequence = np.array(p.sequence_ids() if p is not None else [], np.int64).reshape(shape)
        self.position = np.array(p.position_ids() if p is not None else [], np.int64).reshape(shape)
        real = self.sequence >= 0
        self.codes = np.full(self.sequence.shape, PAD, np.uint8)
        if real.any():
            colours = token_codes(self.sequence[real] + 1, self.layout.B + 1)
            self.codes[real] = colours
        self.row_label = "packed row"
        self.col_label = "slot  (colour: sequence; small: position id)"
        if p is None:
            self.title = f"rows of {self.row_length}: not packed"
        else:
            slots = "slot" if p.pad_tokens == 1 else "slots"
            self.title = (
                f"rows  ({len(p.rows)} x {p.row_length}, {p.algorithm}: {p.pad_tokens} pad "
                f"{slots}, efficiency {p.efficiency:.0%})"
            )

    @cached_property
    def _slot_of(self) -> np.ndarray:
        """(B, T) batch-major: the flat slot r * L + c holding each batch cell, or -1."""
        out = np.full((self.layout.B, self.layout.T), -1, np.int64)
        r, c = np.nonzero(self.sequence >= 0)
        rows, t = _cell_of(self.layout, self.sequence[r, c], self.position[r, c])
        out[rows, t] = r * self.sequence.shape[1] + c
        return out

    def key_at(self, r: int, c: int) -> Key | None:
        if not self._inside(r, c) or self.sequence[r, c] < 0:
            return None
        rows, t = _cell_of(self.layout, self.sequence[r, c : c + 1], self.position[r, c : c + 1])
        return int(rows[0]), int(t[0])

    def cells_of(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, np.int64).reshape(-1, 2)
        slots = self._slot_of[keys[:, 0], keys[:, 1]] if self.sequence.size else keys[:0, 0]
        slots = slots[slots >= 0]
        return np.stack(np.divmod(slots, max(self.sequence.shape[1], 1)), axis=1)

    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        seq, k = self.sequence[r, c], self.position[r, c]
        real = seq >= 0
        out = [ROW_PAD_TEXT] * len(seq)
        if real.any():
            rows, _ = _cell_of(self.layout, seq[real], k[real])
            tokens = self.layout.values[self.layout.offsets[rows] + k[real]]
            for i, text in zip(
                np.flatnonzero(real).tolist(), format_values(self.layout, tokens), strict=True
            ):
                out[i] = text
        return out

    def sublabels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        return [str(p) if p >= 0 else "" for p in self.position[r, c].tolist()]

    def row_ticks(self) -> Ticks | None:
        return _index_ticks([f"row {r}" for r in range(self.shape[0])])

    def col_ticks(self) -> Ticks | None:
        return _number_ticks(self.shape[1])

    def summary(self, limit: int = 6, width: int = 64) -> str:
        """Per row, its sequences, cu_seqlens and position ids (at most `limit` rows), or why
        the batch was not packed, in lines of at most `width` characters."""
        p = self.packing
        if p is None:
            return textwrap.fill(f"not packed: {self.error}", width)
        lines = []
        for r, (row, cu) in enumerate(zip(p.rows, p.cu_seqlens(), strict=True)):
            if r == limit:
                lines.append(f"... {len(p.rows) - limit} more rows")
                break
            spans = ", ".join(
                f"{q.start}..{q.start + q.length - 1}" if q.length > 1 else str(q.start)
                for q in row
            )
            names = ", ".join(str(q.sequence) for q in row)
            lines.append(f"row {r}: seq {names}   cu_seqlens {cu}   position_ids {spans}")
        return "\n".join(lines)


@dataclass
class RowMaskGrid(Grid):
    """The attention mask of one row, (L, L): query slot i (drawn row) may attend to key slot j
    (REAL) or not (PAD); LEAK where only the missing document mask lets it (row_mask "causal").
    In "padded" mode, the (T, T) mask of one sequence of the padded batch: causal and key
    padding. A drawn cell stands for its query token; a token is drawn on the diagonal."""

    rows: RowsGrid | None = None
    shown: int = 0  # the row (or padded sequence) drawn
    leaks: int = 0

    def __post_init__(self) -> None:
        o = self.layout.options
        if o.row_mask == "padded":
            self.shown = min(o.mask_row, self.layout.B - 1)
            real = self.layout.mask_bt[self.shown][:MAX_MASK_SLOTS]
            allowed = _causal(len(real)) & real[None, :] & real[:, None]
            self.codes = np.where(allowed, REAL, PAD).astype(np.uint8)
            self.title = f"padded sequence {self.shown}: causal + key padding"
            self.row_label, self.col_label = "query t", "key t"
            self._cut(self.layout.T)
            return
        grid = self.rows
        packing = grid.packing if grid is not None else None
        if packing is None or grid is None or not packing.rows:
            self.codes = np.zeros((0, 0), np.uint8)
            self.title = "attention mask: no rows"
            return
        self.shown = min(o.mask_row, len(packing.rows) - 1)
        # a sequence holds one piece of a row at most: its index tells the documents apart
        owner = grid.sequence[self.shown][:MAX_MASK_SLOTS]
        real = owner >= 0
        causal = _causal(len(owner)) & real[:, None] & real[None, :]
        blocks = causal & (owner[:, None] == owner[None, :])
        self.codes = np.where(blocks, REAL, PAD).astype(np.uint8)
        self.codes[~real, :] = EMPTY
        self.codes[:, ~real] = EMPTY
        if o.row_mask == "causal":
            leaking = causal & ~blocks
            self.codes[leaking] = LEAK
            self.leaks = int(leaking.sum())
            self.title = f"row {self.shown}, causal only: {self.leaks} leaking cells"
        else:
            self.title = f"row {self.shown}: causal + block-diagonal"
        self.row_label, self.col_label = "query slot", "key slot"
        self._cut(packing.row_length)

    def _cut(self, slots: int) -> None:
        """Say so in the title when only the first MAX_MASK_SLOTS slots are drawn."""
        if slots > MAX_MASK_SLOTS:
            self.title += f" (first {MAX_MASK_SLOTS} of {slots})"

    def _query(self, i: int) -> Key | None:
        if self.layout.options.row_mask == "padded":
            real = self.layout.mask_bt[self.shown]
            return (self.shown, i) if real[i] else None
        assert self.rows is not None
        return self.rows.key_at(self.shown, i)

    def key_at(self, r: int, c: int) -> Key | None:
        return self._query(r) if self._inside(r, c) else None

    def cells_of(self, keys: np.ndarray) -> np.ndarray:
        keys = np.asarray(keys, np.int64).reshape(-1, 2)
        if self.codes.size == 0:
            return np.zeros((0, 2), np.int64)
        if self.layout.options.row_mask == "padded":
            t = keys[keys[:, 0] == self.shown, 1]
        else:
            assert self.rows is not None
            slots = self.rows.cells_of(keys)
            t = slots[slots[:, 0] == self.shown, 1]
        t = t[t < self.shape[0]]
        return np.stack([t, t], axis=1)

    def labels(self, r: np.ndarray, c: np.ndarray) -> list[str]:
        return ["1" if code in (REAL, LEAK) else "0" for code in self.codes[r, c].tolist()]

    def row_ticks(self) -> Ticks | None:
        return _number_ticks(self.shape[0])

    def col_ticks(self) -> Ticks | None:
        return _number_ticks(self.shape[1])
