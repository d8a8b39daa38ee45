"""An LSTM classifier that runs on a padded batch directly or through a PackedSequence.

Modes (how the batch reaches the LSTM, and which loss the trainer optimizes):
- "padded-unmasked": the padded batch goes straight into nn.LSTM (it reads the pads), and the
  loss is averaged over every cell, pads included;
- "padded-masked": the same forward pass, but the loss counts real tokens only;
- "packed": pack_padded_sequence in, pad_packed_sequence out, masked loss. The LSTM never sees
  a pad, so every final hidden state equals running that sequence alone.

A unidirectional per-token model gives the same outputs at real tokens padded or packed (the
pads come after them), so padded-masked and packed train alike there; a bidirectional one, or
any per-sequence model reading h_n, does not.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from padviz.core.errors import PadvizError
from padviz.core.tasks import PAD_ID

MODES = ("padded-unmasked", "padded-masked", "packed")


class ModeError(PadvizError):
    """An unknown training mode."""


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ModeError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return mode


class LSTMModel(nn.Module):
    """Embedding -> LSTM (batch-first) -> linear head.

    Per-token models classify every output step; per-sequence models classify the last layer's
    final hidden state h_n (forward and backward directions concatenated when bidirectional).
    The embedding uses padding_idx=PAD_ID, so a pad is a fixed zero vector; an unpacked LSTM
    still updates its state on it (the biases and the recurrent weights keep acting).
    """

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        embed: int = 32,
        hidden: int = 64,
        layers: int = 1,
        bidirectional: bool = False,
        per_token: bool = True,
    ) -> None:
        super().__init__()
        self.per_token = per_token
        self.directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=PAD_ID)
        self.lstm = nn.LSTM(
            embed, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True
        )
        self.head = nn.Linear(hidden * self.directions, num_classes)

    def encode(
        self, tokens: torch.Tensor, lengths: torch.Tensor, packed: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the LSTM; return (outputs B x T x H*dirs, final hidden state B x H*dirs).

        `lengths` may live anywhere; it is moved to the CPU for packing (torch requires it).
        """
        x = self.embedding(tokens)
        if packed:
            steps = tokens.shape[1]
            seq = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, (h_n, _) = self.lstm(seq)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        else:
            out, (h_n, _) = self.lstm(x)
        # h_n: (layers * dirs) x B x H, in batch order; keep the last layer's directions.
        last = h_n[-self.directions :]
        return out, torch.cat(tuple(last), dim=1)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor, mode: str) -> torch.Tensor:
        """Logits: B x T x C for per-token models, B x C for per-sequence ones."""
        out, final = self.encode(tokens, lengths, packed=check_mode(mode) == "packed")
        return self.head(out if self.per_token else final)


@torch.no_grad()
def final_hidden_states(
    model: LSTMModel, tokens: torch.Tensor, lengths: torch.Tensor
) -> dict[str, np.ndarray]:
    """The final hidden state of each sequence three ways, for the hidden-state truth view.

    Returns numpy arrays: "padded", "packed", "alone" (each B x H*dirs; "alone" runs every
    sequence by itself, unpadded) and "padded_diff", "packed_diff" (B: the max abs difference
    of each sequence's state from "alone"). Packed matches alone; padded does not for any
    sequence shorter than the batch.
    """
    device = next(model.parameters()).device
    tokens = tokens.to(device)
    _, padded = model.encode(tokens, lengths, packed=False)
    _, packed = model.encode(tokens, lengths, packed=True)
    alone = torch.cat(
        [
            model.encode(tokens[i : i + 1, :n], lengths[i : i + 1], packed=False)[1]
            for i, n in enumerate(lengths.tolist())
        ]
    )
    result = {
        "padded": padded.cpu().numpy().copy(),
        "packed": packed.cpu().numpy().copy(),
        "alone": alone.cpu().numpy().copy(),
    }
    for name in ("padded", "packed"):
        result[f"{name}_diff"] = np.abs(result[name] - result["alone"]).max(axis=1)
    return result
