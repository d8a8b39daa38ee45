"""The mistake lab's loss and mask mistakes (see padviz.core.mistake_spec)."""

from __future__ import annotations

from padviz.core.mistake_cells import (
    class0_dropped,
    mask_misplaced,
    pads_counted,
    weighted_unequally,
)
from padviz.core.mistake_spec import (
    LOSS,
    Lengths,
    Mistake,
    Setup,
    at_least_two,
    code,
    flat_orders_differ,
    halves_differ_in_tokens,
    unequal,
)

_FLAT = "logits.flatten(0, 1)"  # (T * B, C), time-major order

_FIXED_TOKEN_MEAN = [
    "targets = pad_sequence(target_list)",
    f'losses = F.cross_entropy({_FLAT}, targets.flatten(), reduction="none")',
    "# FIX: per-token losses, masked, over the real tokens.",
    "got = (losses * mask.flatten()).sum() / mask.sum().clamp_min(1)",
]


def _accumulation_setup(lengths: Lengths) -> str:
    """A linear head on time-first features, its per-token losses, and `expected`: the whole
    batch's token-mean loss and its gradient."""
    literal = ", ".join(map(str, lengths))
    return "\n".join(
        [
            "import torch",
            "import torch.nn.functional as F",
            "from torch import nn",
            "from torch.nn.utils.rnn import pad_sequence",
            "",
            "torch.manual_seed(0)",
            f"lengths = [{literal}]",
            "C = 5",
            "features = pad_sequence([torch.randn(n, 4) for n in lengths])  # (T, B, 4)",
            "targets = pad_sequence([torch.arange(n) % C for n in lengths], padding_value=-100)",
            "head = nn.Linear(4, C)",
            "",
            "",
            "def token_losses(x, y):",
            '    """Per-token losses; 0 at the pads (ignore_index=-100, the default)."""',
            '    return F.cross_entropy(head(x).flatten(0, 1), y.flatten(), reduction="none")',
            "",
            "",
            "# The reference: the token mean over the whole batch, and its gradient.",
            "whole = token_losses(features, targets).sum() / (targets != -100).sum()",
            "whole.backward()",
            "expected = torch.cat([whole.detach()[None], head.weight.grad.flatten()])",
            "head.zero_grad()",
            "half = (len(lengths) + 1) // 2",
            "micro_batches = [(features[:, :half], targets[:, :half]),",
            "                 (features[:, half:], targets[:, half:])]",
            "",
        ]
    )


_ACCUMULATION = Setup(
    _accumulation_setup,
    "# Set-up: features (T, B, 4), targets (-100 at pads), a linear head, two\n"
    "# micro_batches; expected = the whole batch's token-mean loss and gradient.",
)


def _accumulate(line: str, share: str) -> list[str]:
    """The accumulation loop: `line` computes a micro-batch's `loss`, `share` what it counts
    for in the sum."""
    term = share if share.isidentifier() else f"({share})"
    return [
        "accumulated = 0.0",
        "for x, y in micro_batches:",
        f"    {line}",
        f"    {term}.backward()",
        f"    accumulated += {term}.item()",
        "got = torch.cat([torch.tensor([accumulated]), head.weight.grad.flatten()])",
        "evidence = {",
        '    "accumulated_loss": accumulated,',
        '    "token_mean_loss": whole.item(),',
        '    "max_gradient_difference": (got[1:] - expected[1:]).abs().max().item(),',
        "}",
    ]


def _another_class(lengths: Lengths) -> tuple[Lengths, str]:
    """A target other than class 0 (each sequence's first target is 0)."""
    if max(lengths) >= 2:
        return lengths, ""
    return at_least_two(lengths)


MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "article_loss",
        "The article's loss: the mask applied after the mean",
        "cross_entropy has already averaged over every cell, pads included: the mask masks "
        "nothing.",
        "silent",
        code(
            LOSS,
            "targets = pad_sequence(target_list)  # pads are 0",
            f"loss = F.cross_entropy({_FLAT}, targets.flatten())  # one scalar: pads included",
            "got = (loss * mask.flatten()).sum() / mask.sum()  # MISTAKE: gives `loss` back",
            'evidence = {"article_loss": got.item(), "token_mean_loss": expected.item()}',
        ),
        code(LOSS, *_FIXED_TOKEN_MEAN),
        unequal,
        pads_counted,
    ),
    Mistake(
        "ignore_index_class0",
        "ignore_index=0 when class 0 is a real target",
        "ignore_index=0 drops the pads and every real token of class 0 with them.",
        "silent",
        code(
            LOSS,
            "targets = pad_sequence(target_list)  # pads are 0, and so is each first target",
            f"got = F.cross_entropy({_FLAT}, targets.flatten(), ignore_index=0)  # MISTAKE",
            "evidence = {",
            '    "real_tokens": int(mask.sum()),',
            '    "tokens_counted": int((targets.flatten() != 0).sum()),',
            "}",
        ),
        code(
            LOSS,
            "targets = pad_sequence(target_list, padding_value=-100)  # FIX: a value no class uses",
            f"got = F.cross_entropy({_FLAT}, targets.flatten())  # ignore_index=-100, the default",
        ),
        _another_class,
        class0_dropped,
    ),
    Mistake(
        "pad_target_minus_one",
        "Pad targets of -1 with the default ignore_index=-100",
        "-1 is not ignored (-100 is): cross_entropy refuses it as a class out of bounds.",
        "error",
        code(
            LOSS,
            "targets = pad_sequence(target_list, padding_value=-1)  # MISTAKE: -1 marks the pads",
            f"got = F.cross_entropy({_FLAT}, targets.flatten())",
        ),
        code(
            LOSS,
            "targets = pad_sequence(target_list, padding_value=-100)  # FIX: the ignored value",
            f"got = F.cross_entropy({_FLAT}, targets.flatten())",
        ),
        unequal,
    ),
    Mistake(
        "accumulation_mean_of_means",
        "Gradient accumulation: the mean of micro-batch means",
        "Averaging each micro-batch's token mean weighs tokens unequally when lengths differ.",
        "silent",
        code(
            _ACCUMULATION,
            *_accumulate(
                "loss = token_losses(x, y).sum() / (y != -100).sum()  # MISTAKE: own token mean",
                "loss / len(micro_batches)",
            ),
        ),
        code(
            _ACCUMULATION,
            "total_tokens = (targets != -100).sum()  # FIX: count the whole batch's tokens",
            *_accumulate("loss = token_losses(x, y).sum() / total_tokens", "loss"),
        ),
        halves_differ_in_tokens,
        weighted_unequally,
    ),
    Mistake(
        "mask_wrong_major",
        "A batch-major mask on a time-major tensor",
        "Flattened, a (B, T) mask and a (T, B) loss line up without error, on the wrong cells.",
        "silent",
        code(
            LOSS,
            "targets = pad_sequence(target_list)",
            f'losses = F.cross_entropy({_FLAT}, targets.flatten(), reduction="none")',
            "mask_bt = torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]  # (B, T)",
            "got = (losses * mask_bt.flatten()).sum() / mask_bt.sum()  # MISTAKE: B-major order",
            'evidence = {"pad_cells_counted": int((mask_bt.flatten() & ~mask.flatten()).sum())}',
        ),
        code(
            LOSS,
            "targets = pad_sequence(target_list)",
            f'losses = F.cross_entropy({_FLAT}, targets.flatten(), reduction="none")',
            "mask_bt = torch.arange(T)[None, :] < torch.tensor(lengths)[:, None]  # (B, T)",
            "got = (losses * mask_bt.T.flatten()).sum() / mask_bt.sum()  # FIX: transposed first",
        ),
        flat_orders_differ,
        mask_misplaced,
    ),
)
