"""What the transformer is fed in each of its modes, from one right-padded task batch.

- "padded": the B x T batch as it is; position ids 0..T-1; the causal mask combined with the
  key padding mask (a real query never attends to a pad key).
- "packed-rows": the batch's sequences packed into rows (padviz.core.row_packing), position ids
  restarting at each sequence, the block-diagonal causal mask: each sequence computes exactly
  what it would alone. Each slot keeps its own sequence's label, so a sequence's last slot
  never learns to predict the first token of the next one (the labels are masked at the
  boundaries by construction).
- "packed-rows-unmasked": the same rows with a plain causal mask and position ids 0..L-1 along
  the row: every sequence attends to the sequences before it in its row (cross-contamination).
Row padding is never attended to; a padding query attends to itself only, so that no row of
the mask is empty (scaled_dot_product_attention's all-masked rows differ between releases and
backends). The loss mask is True at real tokens only, in every mode.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from padviz.core.row_packing import RowPacking, pack_rows
from padviz.core.tasks import PAD_ID


@dataclass(frozen=True)
class ModelInputs:
    """One step's inputs, R rows of L slots (R x L = B x T when padded), on the CPU."""

    tokens: torch.Tensor  # R x L int64, PAD_ID at padding
    targets: torch.Tensor  # R x L int64, 0 at padding
    loss_mask: torch.Tensor  # R x L bool, True at real tokens
    position_ids: torch.Tensor  # R x L int64 (0 at padding)
    attn_mask: torch.Tensor  # R x L x L bool, True = query i may attend to key j
    packing: RowPacking | None  # None when padded

    @property
    def slots(self) -> int:
        """Token slots the step computes, padding included."""
        return self.tokens.numel()


def padded_inputs(
    tokens: torch.Tensor, targets: torch.Tensor, lengths: torch.Tensor
) -> ModelInputs:
    """The padded batch with the causal mask and the key padding mask combined."""
    steps = tokens.shape[1]
    real = torch.arange(steps)[None, :] < lengths[:, None]
    causal = torch.ones(steps, steps, dtype=torch.bool).tril()
    mask = causal[None] & real[:, None, :]
    positions = torch.arange(steps).expand(len(lengths), steps)
    return ModelInputs(tokens, targets, real, positions.contiguous(), mask, None)


def packed_inputs(
    tokens: torch.Tensor,
    targets: torch.Tensor,
    packing: RowPacking,
    documents: bool = True,
) -> ModelInputs:
    """Rows gathered from a right-padded batch as `packing` places its pieces. `documents`:
    the block-diagonal mask and reset positions; False: neither."""
    rows, length = len(packing.rows), packing.row_length
    sequence = np.full((rows, length), -1)
    time = np.zeros((rows, length), dtype=np.int64)
    for r, row in enumerate(packing.rows):
        at = 0
        for piece in row:
            sequence[r, at : at + piece.length] = piece.sequence
            time[r, at : at + piece.length] = np.arange(piece.start, piece.start + piece.length)
            at += piece.length
    real = torch.from_numpy(sequence >= 0)
    seq = torch.from_numpy(np.maximum(sequence, 0))
    at_time = torch.from_numpy(time)
    row_tokens = tokens[seq, at_time].masked_fill(~real, PAD_ID)
    row_targets = targets[seq, at_time].masked_fill(~real, 0)
    mask = torch.from_numpy(
        np.stack([packing.attention_mask(r, documents=documents) for r in range(rows)])
    )
    mask |= torch.eye(length, dtype=torch.bool)[None] & ~real[:, :, None]
    if documents:
        positions = torch.from_numpy(np.asarray(packing.position_ids())).clamp_min(0)
    else:
        positions = torch.arange(length).expand(rows, length).contiguous()
    return ModelInputs(row_tokens, row_targets, real, positions, mask, packing)


def model_inputs(
    tokens: torch.Tensor,
    targets: torch.Tensor,
    lengths: torch.Tensor,
    mode: str,
    row_length: int,
    algorithm: str = "greedy",
) -> ModelInputs:
    """The inputs of one transformer mode for a right-padded per-token batch."""
    if mode == "padded":
        return padded_inputs(tokens, targets, lengths)
    packing = pack_rows(lengths.tolist(), row_length, algorithm)
    return packed_inputs(tokens, targets, packing, documents=mode == "packed-rows")
