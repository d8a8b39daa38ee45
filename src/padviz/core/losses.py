"""Loss variants over the same logits, so their differences are only in the reduction.

All functions take logits (... x C), integer targets (...) and a boolean mask (same shape as
the targets, True at real tokens) and flatten them. For per-token tasks the shapes are
B x T x C, B x T, B x T. For per-sequence tasks they are B x C, B and a mask of ones (every
sequence is real), so the variants degenerate:
- masked == unmasked (there are no pad cells to include or exclude);
- article == ignore_index: both drop the sequences whose target class is 0.

The article's formula, `F.cross_entropy(..., ignore_index=0) * mask`, summed and divided by
`mask.sum()`, masks nothing: the cross-entropy is already a scalar, so the mask multiplies one
number and the division undoes the sum. Its value is the ignore_index=0 loss (up to float
rounding), which leaves out the pads (their target is 0) but ALSO every real token whose target
is class 0. Only when no real target is 0 does it happen to equal the masked loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

VARIANTS = ("masked", "unmasked", "article", "ignore_index", "accuracy")


def _flat(logits: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)


def token_losses(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy per cell, shaped like the targets."""
    flat_logits, flat_targets = _flat(logits, targets)
    return F.cross_entropy(flat_logits, flat_targets, reduction="none").view(targets.shape)


def _masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.to(values.dtype)
    return (values * m).sum() / m.sum().clamp_min(1)


def masked(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The correct loss: the mean cross-entropy over real tokens only (token-weighted)."""
    return _masked_mean(token_losses(logits, targets), mask)


def unmasked(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The mean cross-entropy over every cell, pads included."""
    return token_losses(logits, targets).mean()


def ignore_index(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """F.cross_entropy with ignore_index=0: drops pads AND real tokens of class 0.

    NaN when every target is 0 (torch divides by zero ignored-free cells).
    """
    return F.cross_entropy(*_flat(logits, targets), ignore_index=0)


def article(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The article's formula as printed (see the module docstring for why it masks nothing)."""
    output, target = logits, targets
    loss = F.cross_entropy(output.view(-1, output.size(-1)), target.view(-1), ignore_index=0)
    masked_loss = loss * mask.float().view(-1)
    return torch.sum(masked_loss) / torch.sum(mask)


def accuracy(logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """The share of real tokens (or sequences) whose argmax is the target."""
    return _masked_mean((logits.argmax(dim=-1) == targets).float(), mask)


def loss_variants(
    logits: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Every variant in VARIANTS, as 0-d tensors (the losses keep their autograd graph).

    Computes the per-cell cross-entropy and the ignore_index scalar once and derives the rest,
    with the same arithmetic as the single-variant functions above.
    """
    cells = token_losses(logits, targets)
    ignored = ignore_index(logits, targets)
    m = mask.to(cells.dtype)
    return {
        "masked": _masked_mean(cells, mask),
        "unmasked": cells.mean(),
        "article": torch.sum(ignored * m.view(-1)) / torch.sum(mask),
        "ignore_index": ignored,
        "accuracy": accuracy(logits.detach(), targets, mask),
    }
