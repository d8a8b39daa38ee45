"""A recurrent classifier (LSTM, GRU or a plain tanh RNN) that runs on a padded batch directly or
through a PackedSequence.

Modes (how the batch reaches the LSTM, and which loss the trainer optimizes):
- "padded-unmasked": the padded batch goes straight into nn.LSTM (it reads the pads), and the
  loss is averaged over every cell, pads included;
- "padded-masked": the same forward pass, but the loss counts real tokens only;
- "packed": pack_padded_sequence in, pad_packed_sequence out, masked loss. The LSTM never sees
  a pad, so every final hidden state equals running that sequence alone.
The transformer (padviz.core.transformer, model "transformer") has modes of its own,
TRANSFORMER_MODES: "padded", "packed-rows", "packed-rows-unmasked" (padviz.core.
transformer_batches says what each feeds it); a mode of one model is refused for the other.

A unidirectional per-token model gives the same outputs at real tokens padded or packed (the
pads come after them), so padded-masked and packed train alike there; a bidirectional one, or
any per-sequence model reading h_n, does not.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from padviz.core.errors import PadvizError
from padviz.core.options import CELL_NAMES, MODEL_NAMES
from padviz.core.tasks import PAD_ID

MODES = ("padded-unmasked", "padded-masked", "packed")  # the recurrent models' ("lstm")
TRANSFORMER_MODES = ("padded", "packed-rows", "packed-rows-unmasked")
ALL_MODES = MODES + TRANSFORMER_MODES
MODEL_MODES = {"lstm": MODES, "transformer": TRANSFORMER_MODES}
# The recurrent cells, as torch.nn names them; the LSTM's state is (h, c), the others' only h.
CELLS: dict[str, Callable[..., nn.RNNBase]] = dict(
    zip(CELL_NAMES, (nn.LSTM, nn.GRU, nn.RNN), strict=True)
)


class ModeError(PadvizError):
    """An unknown training mode, or an unknown cell."""


def check_mode(mode: str) -> str:
    if not isinstance(mode, str) or mode not in ALL_MODES:
        raise ModeError(f"unknown mode {mode!r}; choose one of {', '.join(ALL_MODES)}")
    return mode


def check_model(model: object) -> str:
    if not isinstance(model, str) or model not in MODEL_NAMES:
        raise ModeError(f"unknown model {model!r}; choose one of {', '.join(MODEL_NAMES)}")
    return model


def check_model_mode(model: str, mode: str) -> str:
    """A known mode of a known model; the message names both when they do not go together."""
    check_mode(mode)
    modes = MODEL_MODES[check_model(model)]
    if mode not in modes:
        other = next(name for name, theirs in MODEL_MODES.items() if mode in theirs)
        raise ModeError(
            f"mode {mode!r} is a mode of model {other!r}, not of model {model!r}; "
            f"model {model!r} trains in {', '.join(modes)}"
        )
    return mode


def check_cell(cell: object) -> str:
    if not isinstance(cell, str) or cell not in CELLS:  # a list from a file is unhashable
        raise ModeError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}")
    return cell


class RecurrentModel(nn.Module):
    """Embedding -> LSTM, GRU or tanh RNN (batch-first) -> linear head.

    Per-token models classify every output step; per-sequence models classify the last layer's
    final hidden state h_n (forward and backward directions concatenated when bidirectional).
    The embedding uses padding_idx=PAD_ID, so a pad is a fixed zero vector; an unpacked cell
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
        cell: str = "lstm",
    ) -> None:
        super().__init__()
        self.per_token = per_token
        self.cell = check_cell(cell)
        self.directions = 2 if bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, embed, padding_idx=PAD_ID)
        self.rnn = CELLS[cell](
            embed, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=True
        )
        self.head = nn.Linear(hidden * self.directions, num_classes)

    def encode(
        self, tokens: torch.Tensor, lengths: torch.Tensor, packed: bool
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Run the cell; return (outputs B x T x H*dirs, final hidden state h_n and, for an
        LSTM, final cell state c_n, each B x H*dirs; None for c_n otherwise).

        `lengths` may live anywhere; it is moved to the CPU for packing (torch requires it).
        """
        x = self.embedding(tokens)
        if packed:
            steps = tokens.shape[1]
            seq = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, state = self.rnn(seq)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)
        else:
            out, state = self.rnn(x)
        h_n, c_n = state if self.cell == "lstm" else (state, None)
        return out, self._last_layer(h_n), None if c_n is None else self._last_layer(c_n)

    def _last_layer(self, state: torch.Tensor) -> torch.Tensor:
        """(layers * dirs) x B x H, in batch order -> the last layer's directions, B x H*dirs."""
        return torch.cat(tuple(state[-self.directions :]), dim=1)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor, mode: str) -> torch.Tensor:
        """Logits: B x T x C for per-token models, B x C for per-sequence ones."""
        packed = check_model_mode("lstm", mode) == "packed"
        out, final, _ = self.encode(tokens, lengths, packed=packed)
        return self.head(out if self.per_token else final)


@torch.no_grad()
def final_hidden_states(
    model: RecurrentModel, tokens: torch.Tensor, lengths: torch.Tensor
) -> dict[str, np.ndarray]:
    """The final state of each sequence three ways, for the hidden-state truth view.

    Returns numpy arrays: "padded", "packed", "alone" (h_n, each B x H*dirs; "alone" runs every
    sequence by itself, unpadded) and "padded_diff", "packed_diff" (B: the max abs difference
    of each sequence's state from "alone"); for an LSTM the same for c_n, prefixed "c_"
    ("c_padded", ..., "c_packed_diff"). Packed matches alone; padded does not for any sequence
    shorter than the batch.
    """
    device = next(model.parameters()).device
    tokens = tokens.to(device)

    def states(tokens: torch.Tensor, lengths: torch.Tensor, packed: bool) -> list[torch.Tensor]:
        _, h_n, c_n = model.encode(tokens, lengths, packed)
        return [h_n] if c_n is None else [h_n, c_n]

    runs = {"padded": states(tokens, lengths, False), "packed": states(tokens, lengths, True)}
    each = [
        states(tokens[i : i + 1, :n], lengths[i : i + 1], False)
        for i, n in enumerate(lengths.tolist())
    ]
    result: dict[str, np.ndarray] = {}
    for k, prefix in enumerate(("", "c_")[: len(runs["padded"])]):
        found = {name: run[k] for name, run in runs.items()}
        found["alone"] = torch.cat([one[k] for one in each])
        for name, state in found.items():
            result[prefix + name] = state.cpu().numpy().copy()
        for name in ("padded", "packed"):
            diff = np.abs(result[prefix + name] - result[prefix + "alone"]).max(axis=1)
            result[f"{prefix}{name}_diff"] = diff
    return result
