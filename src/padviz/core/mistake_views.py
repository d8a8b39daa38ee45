"""What the mistake lab draws of a silent mistake: its batch as a batch-major padded heatmap
with the affected cells lit, the words under it, and the same cells in the explorer's layout.
"""

from __future__ import annotations

import numpy as np

from padviz.core.batch import Batch, from_lengths
from padviz.core.document import Document, build_document
from padviz.core.layout import plan
from padviz.core.mistakes import MistakeResult, fix_verdict
from padviz.core.options import LayoutOptions


def lab_batch(explorer_batch: Batch, lengths: tuple[int, ...]) -> Batch:
    """The explorer's batch when the lab ran on its lengths (its own tokens are shown), else a
    batch of the lengths the mistake ran on."""
    if tuple(explorer_batch.lengths) == tuple(lengths):
        return explorer_batch
    return from_lengths(lengths, allow_zero_length=True)


def lab_document(explorer_batch: Batch, result: MistakeResult) -> Document | None:
    """The padded heatmap's document for a result that lights cells (None for the others):
    batch-major, padded on the side the wrong code padded."""
    if result.affected is None:
        return None
    options = LayoutOptions(batch_first=True, padding_side=result.affected.padding_side)
    return build_document(lab_batch(explorer_batch, result.lengths), options)


def ran_on(result: MistakeResult, explorer_batch: Batch) -> bool:
    """Whether the lab ran on the explorer's own batch (so its cells are the explorer's)."""
    return tuple(result.lengths) == tuple(explorer_batch.lengths)


def caption(result: MistakeResult, *, fixed: bool) -> str:
    """What the heatmap lights, in words: the wrong code's cells, or after the fix the same
    cells in the fix's colour and what the fix's check said."""
    affected = result.affected
    if affected is None:
        return ""
    side = " (left-padded, as the wrong code padded)" if affected.padding_side == "left" else ""
    if not fixed:
        return f"Lit: {affected.text}{side}."
    if result.fixed:
        return f"Lit before the fix: {affected.text}. Fixed, it matches the reference."
    return f"Lit before the fix: {affected.text}. {fix_verdict(result)}"


def explorer_cells(result: MistakeResult, batch: Batch, options: LayoutOptions) -> np.ndarray:
    """(K, 2) the result's cells as (row, t) keys of the explorer's layout of `batch` under
    `options`: the same token, or the same pad slot, of the same sequence, in the explorer's
    order and padding side; cells the explorer does not draw (cut by max_length) are left out."""
    if result.affected is None or not result.affected_cells:
        return np.zeros((0, 2), np.int64)
    lab_T, lab_left = max(result.lengths), result.affected.padding_side == "left"
    order, lengths, T, _ = plan(batch.lengths_array, options)
    row_of = np.argsort(order)
    left = options.padding_side == "left"
    keys = []
    for s, t in result.affected_cells:
        n = result.lengths[s]
        row = int(row_of[s])
        n_shown = int(lengths[row])
        pads_before = lab_T - n if lab_left else 0
        real = pads_before <= t < pads_before + n
        if real:
            k = t - pads_before
            if k >= n_shown:
                continue
            keys.append((row, T - n_shown + k if left else k))
        else:
            j = t if lab_left else t - n  # which pad of the sequence
            if j >= T - n_shown:
                continue
            keys.append((row, j if left else n_shown + j))
    return np.array(keys, np.int64).reshape(-1, 2)
