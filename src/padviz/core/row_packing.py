"""Row packing, as transformers are trained: several sequences concatenated into rows of a fixed
length, with per-row `cu_seqlens`, position ids that restart at each sequence, and the
block-diagonal attention mask that keeps each sequence to itself.

Algorithms:
- greedy: in the given order; a new row starts when the next sequence does not fit;
- ffd (first-fit decreasing): longest first (ties by original index), each into the first row
  with room, else a new row.
A sequence longer than the row length is refused (`overflow="error"`), cut to it ("truncate"),
or cut into row-length pieces ("split", each placed as a sequence of its own, its position ids
continuing where the previous piece stopped). Plain arithmetic on lengths: no torch here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np

from padviz.core.errors import PadvizError
from padviz.core.limits import MAX_LENGTH
from padviz.core.options import ROW_ALGORITHMS as ALGORITHMS
from padviz.core.options import ROW_OVERFLOWS as OVERFLOWS
from padviz.core.options import whole_number

Algorithm = Literal["greedy", "ffd"]
Overflow = Literal["error", "truncate", "split"]
PAD_POSITION = -1  # the position id of a row-padding slot


class RowPackingError(PadvizError):
    """A row length, algorithm or overflow rule that cannot be used, or a sequence that does not
    fit a row under overflow="error"."""


@dataclass(frozen=True)
class Piece:
    """Tokens start..start+length of sequence `sequence` (its index in the batch as given)."""

    sequence: int
    start: int
    length: int


@dataclass(frozen=True)
class RowPacking:
    row_length: int
    algorithm: str
    overflow: str
    rows: tuple[tuple[Piece, ...], ...]

    @cached_property
    def real_tokens(self) -> int:
        return sum(piece.length for row in self.rows for piece in row)

    @property
    def pad_tokens(self) -> int:
        return len(self.rows) * self.row_length - self.real_tokens

    @property
    def efficiency(self) -> float:
        """Real tokens / (rows x row length): the share of the compute that is not padding."""
        return self.real_tokens / (len(self.rows) * self.row_length) if self.rows else 1.0

    def cu_seqlens(self) -> list[list[int]]:
        """Per row, where each piece starts and the row's real end: [0, 5, 8], as varlen
        attention kernels take it."""
        return [np.cumsum([0, *(p.length for p in row)]).tolist() for row in self.rows]

    def position_ids(self) -> list[list[int]]:
        """Per row, one id per slot: 0.. within each sequence (a split piece continues its
        sequence's count), PAD_POSITION for row padding."""
        out = []
        for row in self.rows:
            ids = [p.start + k for p in row for k in range(p.length)]
            out.append(ids + [PAD_POSITION] * (self.row_length - len(ids)))
        return out

    def sequence_ids(self) -> list[list[int]]:
        """Per row, one entry per slot: the sequence the token belongs to, -1 for padding."""
        out = []
        for row in self.rows:
            ids = [p.sequence for p in row for _ in range(p.length)]
            out.append(ids + [-1] * (self.row_length - len(ids)))
        return out

    def attention_mask(self, row: int, *, documents: bool = True) -> np.ndarray:
        """(L, L) bool: query slot i may attend to key slot j. Causal (j <= i), within the same
        sequence when `documents` (the block-diagonal mask; without it a sequence sees the
        one before it), never to or from row padding."""
        pieces = self.rows[row]
        held = np.repeat(np.arange(len(pieces)), [p.length for p in pieces])
        piece = np.full(self.row_length, -1)  # the piece each slot holds, -1 for padding
        piece[: held.size] = held
        real = piece >= 0
        allowed = np.tril(np.ones((self.row_length, self.row_length), dtype=bool))
        allowed &= real[:, None] & real[None, :]
        if documents:
            allowed &= piece[:, None] == piece[None, :]
        return allowed

    def to_json(self) -> dict[str, Any]:
        """The `padviz pack --json` object: exactly the keys of the CLI contract."""
        return {
            "row_length": self.row_length,
            "algorithm": self.algorithm,
            "rows": [[p.sequence for p in row] for row in self.rows],
            "cu_seqlens": self.cu_seqlens(),
            "position_ids": self.position_ids(),
            "real_tokens": self.real_tokens,
            "pad_tokens": self.pad_tokens,
            "efficiency": self.efficiency,
        }


def pack_rows(
    lengths: Sequence[int],
    row_length: int,
    algorithm: str = "greedy",
    overflow: str = "error",
    *,
    indices: Sequence[int] | None = None,
) -> RowPacking:
    """Pack sequences of these lengths (each >= 1) into rows of `row_length` slots. Pieces
    name their sequence by its position in `lengths`, or by `indices[position]` when given
    (increasing: a batch with its empty sequences left out)."""
    whole_number("row length", row_length, low=1, high=MAX_LENGTH, error=RowPackingError)
    if algorithm not in ALGORITHMS:
        raise RowPackingError(f"unknown algorithm {algorithm!r} (choose from greedy, ffd)")
    if overflow not in OVERFLOWS:
        raise RowPackingError(f"unknown overflow {overflow!r} (choose from error, truncate, split)")
    pieces = _pieces(lengths, row_length, overflow, indices or range(len(lengths)))
    if algorithm == "greedy":
        rows = _greedy(pieces, row_length)
    else:
        order = sorted(pieces, key=lambda p: (-p.length, p.sequence, p.start))
        rows = _first_fit(order, row_length)
    return RowPacking(row_length, algorithm, overflow, tuple(tuple(row) for row in rows))


def _pieces(
    lengths: Sequence[int], row_length: int, overflow: str, indices: Sequence[int]
) -> list[Piece]:
    pieces = []
    for i, n in zip(indices, lengths, strict=True):
        whole_number(f"length of sequence {i}", n, low=1, high=MAX_LENGTH, error=RowPackingError)
        if n <= row_length:
            pieces.append(Piece(i, 0, int(n)))
        elif overflow == "error":
            raise RowPackingError(
                f"sequence {i} has {n} tokens, more than the row length {row_length}; "
                "cut it (overflow truncate) or split it across rows (overflow split)"
            )
        elif overflow == "truncate":
            pieces.append(Piece(i, 0, row_length))
        else:
            pieces += [Piece(i, s, min(row_length, n - s)) for s in range(0, n, row_length)]
    return pieces


def _greedy(pieces: list[Piece], row_length: int) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    room = 0
    for piece in pieces:
        if piece.length > room:
            rows.append([])
            room = row_length
        rows[-1].append(piece)
        room -= piece.length
    return rows


def _first_fit(pieces: list[Piece], row_length: int) -> list[list[Piece]]:
    rows: list[list[Piece]] = []
    rooms: list[int] = []
    for piece in pieces:
        for r, room in enumerate(rooms):
            if piece.length <= room:
                rows[r].append(piece)
                rooms[r] -= piece.length
                break
        else:
            rows.append([piece])
            rooms.append(row_length - piece.length)
    return rows
