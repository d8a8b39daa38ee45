"""The hidden-state truth for a batch: final states (h_n; c_n too for an LSTM) from padded input,
packed input and each sequence run alone, and how far each sequence's padded / packed state is
from the alone one.

The batch comes from the explorer, with its own vocabulary, while the model has its task's
(small) vocabulary: token ids are folded into the model's range 1..V-1 (pad 0 stays pad), which
keeps the lengths, the only thing the padded-vs-packed difference depends on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from padviz.core.models import RecurrentModel, final_hidden_states
from padviz.core.tasks import PAD_ID

MAX_SEQUENCES = 32  # rows a heatmap can still show one by one
STATES = ("padded", "packed", "alone")


def fold_tokens(
    sequences: Sequence[Sequence[int]], vocab_size: int, max_sequences: int = MAX_SEQUENCES
) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded B x T int64 tokens and CPU lengths for the first `max_sequences` sequences.

    Ids are folded into 1..vocab_size-1: id -> 1 + (id - 1) mod (vocab_size - 1).
    """
    if vocab_size < 2:
        raise ValueError(f"a model vocabulary needs at least 2 ids, got {vocab_size}")
    chosen = [list(s) for s in sequences[:max_sequences]]
    if not chosen or any(len(s) == 0 for s in chosen):
        raise ValueError("the hidden-state view needs at least one sequence, none empty")
    lengths = torch.tensor([len(s) for s in chosen], dtype=torch.int64)
    tokens = torch.full((len(chosen), int(lengths.max())), PAD_ID, dtype=torch.int64)
    for i, seq in enumerate(chosen):
        ids = torch.tensor(seq, dtype=torch.int64)
        tokens[i, : len(seq)] = 1 + (ids - 1).remainder(vocab_size - 1)
    return tokens, lengths


def hidden_truth(
    model: RecurrentModel,
    sequences: Sequence[Sequence[int]],
    max_sequences: int = MAX_SEQUENCES,
) -> dict[str, np.ndarray]:
    """final_hidden_states for the folded batch, plus "lengths" (B), "directions" (scalar) and
    "scale" (scalar: the largest |h| of the three states, for a symmetric colour scale; for an
    LSTM "c_scale" likewise for c_n).

    Runs in eval mode without gradients and leaves the model's training flag as it was.
    """
    vocab_size = model.embedding.num_embeddings
    tokens, lengths = fold_tokens(sequences, vocab_size, max_sequences)
    was_training = model.training
    model.eval()
    try:
        result = final_hidden_states(model, tokens, lengths)
    finally:
        model.train(was_training)
    result["lengths"] = lengths.numpy().copy()
    result["directions"] = np.array(model.directions)
    for prefix in state_prefixes(result):
        states = (np.abs(result[prefix + k]).max() for k in STATES)
        result[prefix + "scale"] = np.array(max(float(v) for v in states))
    return result


def state_prefixes(truth: dict[str, np.ndarray]) -> tuple[str, ...]:
    """The states a truth holds, by key prefix: "" for h_n, and "c_" for c_n (an LSTM's)."""
    return ("", "c_") if "c_padded" in truth else ("",)


def describe(truth: dict[str, np.ndarray], tolerance: float = 1e-5, prefix: str = "") -> str:
    """One line: how many sequences' padded / packed final states (h_n, or with prefix "c_"
    c_n) differ from running alone."""
    lengths = truth["lengths"]
    parts = []
    for name in ("padded", "packed"):
        diff = truth[f"{prefix}{name}_diff"]
        wrong = int((diff > tolerance).sum())
        verdict = f"{wrong} of {len(diff)} sequences differ" if wrong else "all match"
        parts.append(f"{name} vs alone: {verdict} (largest |difference| {diff.max():.2g})")
    shown = f"{len(lengths)} sequences, lengths {int(lengths.min())}-{int(lengths.max())}"
    return f"{shown}. " + "; ".join(parts) + "."
