"""Synthetic learning tasks with real structure, small enough to learn on CPU in a few hundred
steps.

Every task draws right-padded batches of token ids (PAD = 0 is reserved; real tokens are
1..vocab_size-1) from a `torch.Generator`, so the data stream depends only on the generator's
seed and the batch-shape settings. Tensors are built on the CPU; the trainer moves them.

Per-token tasks put the target class 0 at pad cells. Class 0 is a real class too, so:
- an unmasked loss rewards the model for predicting 0 at pads (it "learns the pads"), and
- `ignore_index=0` silently drops the real tokens whose target is class 0.
Per-sequence tasks have one target per sequence, read from the final hidden state, which is
exactly where running an LSTM over pads (without packing) goes wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from padviz.core.errors import PadvizError
from padviz.core.options import whole_number

PAD_ID = 0
LENGTH_DISTRIBUTIONS = ("uniform", "normal", "lognormal", "fixed")


class TaskError(PadvizError):
    """An unknown task or bad sampling settings."""


@dataclass(frozen=True)
class TaskBatch:
    """One sampled batch, batch-first and right-padded, on the CPU.

    tokens: B x T int64 with PAD_ID at pads (T = the longest length in the batch).
    lengths: B int64 (CPU, as pack_padded_sequence needs).
    targets: B x T int64 (0 at pads) for per-token tasks, B int64 for per-sequence tasks.
    """

    tokens: torch.Tensor
    lengths: torch.Tensor
    targets: torch.Tensor
    per_token: bool
    num_classes: int
    vocab_size: int

    @property
    def mask(self) -> torch.Tensor:
        """B x T bool, True at real tokens."""
        return self.tokens != PAD_ID

    @property
    def real_tokens(self) -> int:
        return int(self.lengths.sum())


def sample_lengths(
    batch_size: int,
    generator: torch.Generator,
    min_len: int,
    max_len: int,
    distribution: str = "uniform",
) -> torch.Tensor:
    """Draw `batch_size` lengths in [min_len, max_len] (int64, CPU).

    normal: centred between the bounds, sd = a sixth of the range; lognormal: a long tail of
    a few long sequences among many short ones; fixed: every length is max_len (no padding).
    """
    if not 1 <= min_len <= max_len:
        raise TaskError(f"need 1 <= min_len <= max_len, got min_len={min_len}, max_len={max_len}")
    whole_number("batch_size", batch_size, low=1, error=TaskError)
    span = max_len - min_len
    if distribution == "uniform":
        return torch.randint(min_len, max_len + 1, (batch_size,), generator=generator)
    if distribution == "normal":
        x = torch.randn(batch_size, generator=generator, dtype=torch.float64)
        x = (min_len + max_len) / 2 + x * (span / 6)
    elif distribution == "lognormal":
        x = torch.randn(batch_size, generator=generator, dtype=torch.float64)
        x = min_len + torch.exp(x * 0.8) * (span / 8)
    elif distribution == "fixed":
        return torch.full((batch_size,), max_len, dtype=torch.int64)
    else:
        raise TaskError(
            f"unknown length distribution {distribution!r}; "
            f"choose one of {', '.join(LENGTH_DISTRIBUTIONS)}"
        )
    return x.round().clamp(min_len, max_len).to(torch.int64)


def _random_tokens(
    lengths: torch.Tensor, low: int, high: int, generator: torch.Generator
) -> torch.Tensor:
    """B x max(lengths) tokens uniform in [low, high), PAD_ID after each length."""
    steps = int(lengths.max())
    tokens = torch.randint(low, high, (len(lengths), steps), generator=generator)
    return tokens.masked_fill(_pad_cells(lengths, steps), PAD_ID)


def _pad_cells(lengths: torch.Tensor, steps: int) -> torch.Tensor:
    return torch.arange(steps)[None, :] >= lengths[:, None]


@dataclass(frozen=True)
class Task:
    """A named task: how to draw tokens for given lengths and what the targets are."""

    name: str
    description: str
    per_token: bool
    num_classes: int
    vocab_size: int
    make: Callable[[torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]

    def sample(
        self,
        batch_size: int,
        generator: torch.Generator,
        min_len: int,
        max_len: int,
        length_distribution: str = "uniform",
    ) -> TaskBatch:
        lengths = sample_lengths(batch_size, generator, min_len, max_len, length_distribution)
        tokens, targets = self.make(lengths, generator)
        return TaskBatch(
            tokens=tokens,
            lengths=lengths,
            targets=targets,
            per_token=self.per_token,
            num_classes=self.num_classes,
            vocab_size=self.vocab_size,
        )


RUNNING_SUM_K = 5
MAJORITY_CLASSES = 3
LAST_TOKEN_CLASSES = 4


def _running_sum(
    lengths: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = _random_tokens(lengths, 1, RUNNING_SUM_K + 1, generator)
    targets = tokens.cumsum(dim=1) % RUNNING_SUM_K
    return tokens, targets.masked_fill(tokens == PAD_ID, 0)


def _majority(
    lengths: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """A strict majority class fills floor(L/2)+1 random positions; the rest are other classes."""
    batch, steps = len(lengths), int(lengths.max())
    pads = _pad_cells(lengths, steps)
    majority = torch.randint(0, MAJORITY_CLASSES, (batch,), generator=generator)
    keys = torch.rand(batch, steps, generator=generator).masked_fill(pads, 2.0)
    rank = keys.argsort(dim=1).argsort(dim=1)
    in_majority = rank < (lengths // 2 + 1)[:, None]
    shift = torch.randint(1, MAJORITY_CLASSES, (batch, steps), generator=generator)
    classes = torch.where(
        in_majority, majority[:, None], (majority[:, None] + shift) % MAJORITY_CLASSES
    )
    return (classes + 1).masked_fill(pads, PAD_ID), majority


def _last_token(
    lengths: torch.Tensor, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    tokens = _random_tokens(lengths, 1, LAST_TOKEN_CLASSES + 1, generator)
    last = tokens.gather(1, (lengths - 1)[:, None]).squeeze(1)
    return tokens, last - 1


TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            name="running-sum-mod-k",
            description=(
                f"per token: the sum of the tokens so far, mod {RUNNING_SUM_K} "
                f"(tokens 1..{RUNNING_SUM_K}; class 0 is a real target, and the target at pads)"
            ),
            per_token=True,
            num_classes=RUNNING_SUM_K,
            vocab_size=RUNNING_SUM_K + 1,
            make=_running_sum,
        ),
        Task(
            name="majority",
            description=(
                f"per sequence: which of {MAJORITY_CLASSES} token classes fills more than half "
                "of the sequence, read from the final hidden state"
            ),
            per_token=False,
            num_classes=MAJORITY_CLASSES,
            vocab_size=MAJORITY_CLASSES + 1,
            make=_majority,
        ),
        Task(
            name="last-token",
            description=(
                "per sequence: the last real token, read from the final hidden state "
                "(trivial when packed; after trailing pads the unpacked LSTM must remember it)"
            ),
            per_token=False,
            num_classes=LAST_TOKEN_CLASSES,
            vocab_size=LAST_TOKEN_CLASSES + 1,
            make=_last_token,
        ),
    )
}


# A language model over a corpus: its vocabulary and data come from the corpus, so it is built
# by padviz.core.next_token.next_token_task(corpus) rather than listed in TASKS.
NEXT_TOKEN = "next-token"


def task_names() -> list[str]:
    """The synthetic tasks' names (each needs nothing but its name) in a stable order; the
    first is the default."""
    return list(TASKS)


def all_task_names() -> list[str]:
    """Every task a training config can name: the synthetic ones, then NEXT_TOKEN."""
    return [*TASKS, NEXT_TOKEN]


def check_task(name: str) -> str:
    if name not in all_task_names():
        raise TaskError(f"unknown task {name!r}; choose one of {', '.join(all_task_names())}")
    return name


def get_task(name: str) -> Task:
    """A synthetic task by name (the next-token task needs its corpus: see NEXT_TOKEN)."""
    if check_task(name) == NEXT_TOKEN:
        raise TaskError(f"the {NEXT_TOKEN} task is built from a corpus, not looked up by name")
    return TASKS[name]
