"""A tiny causal transformer language model, for the row-packing lessons.

Token embedding + a position embedding (learned, or the fixed sinusoidal table) looked up by
explicit position ids, a few pre-norm blocks (LayerNorm -> multi-head self-attention through
torch.nn.functional.scaled_dot_product_attention -> residual; LayerNorm -> GELU MLP ->
residual), a final LayerNorm and a linear head per token. No dropout: the same inputs give the
same outputs in training and in eval mode.

What a sequence sees is decided only by the two things the caller passes besides the tokens:
`position_ids` (R x L) and `attn_mask` (R x L x L bool, True = query i may attend to key j, the
scaled_dot_product_attention convention). So one model serves all three transformer modes: a
padded batch (causal + key padding mask, positions 0..T-1), row-packed rows with the
block-diagonal mask and positions reset per sequence (each sequence as if alone), and row-packed
rows without either (every sequence sees the ones before it in its row).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from padviz.core.errors import PadvizError
from padviz.core.tasks import PAD_ID

POSITIONS = ("learned", "sinusoidal")
MAX_HEADS = 64


class TransformerConfigError(PadvizError):
    """Transformer settings that do not go together (heads, width, positions)."""


def check_shape(width: int, heads: int, positions: str) -> None:
    """Refuse a width that the heads do not divide, or an unknown position embedding."""
    if positions not in POSITIONS:
        raise TransformerConfigError(
            f"unknown positions {positions!r}; choose one of {', '.join(POSITIONS)}"
        )
    if heads < 1 or heads > MAX_HEADS or width % heads:
        raise TransformerConfigError(
            f"heads {heads} must divide the embedding size {width} (1 to {MAX_HEADS} heads)"
        )


def sinusoidal_table(positions: int, width: int) -> torch.Tensor:
    """The fixed table of "Attention is all you need": sin at even features, cos at odd ones."""
    pos = torch.arange(positions, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
    table = torch.zeros(positions, width)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)[:, : width // 2]
    return table


class Block(nn.Module):
    """One pre-norm transformer block."""

    def __init__(self, width: int, heads: int, hidden: int) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x: R x L x D; mask: R x 1 x L x L bool (broadcast over the heads)."""
        rows, length, width = x.shape
        qkv = self.qkv(self.norm1(x)).view(rows, length, 3, self.heads, width // self.heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # each R x heads x L x D/heads
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.proj(attended.transpose(1, 2).reshape(rows, length, width))
        return x + self.mlp(self.norm2(x))


class TransformerLM(nn.Module):
    """Per-token logits R x L x C from tokens, position ids and a boolean attention mask."""

    per_token = True
    table: torch.Tensor  # the sinusoidal positions (a buffer)

    def __init__(
        self,
        vocab_size: int,
        num_classes: int,
        width: int = 32,
        heads: int = 2,
        hidden: int = 64,
        layers: int = 2,
        max_positions: int = 20,
        positions: str = "learned",
    ) -> None:
        super().__init__()
        check_shape(width, heads, positions)
        self.positions = positions
        self.embedding = nn.Embedding(vocab_size, width, padding_idx=PAD_ID)
        self.position: nn.Embedding | None = None
        if positions == "learned":
            self.position = nn.Embedding(max_positions, width)
        self.register_buffer(
            "table", sinusoidal_table(max_positions, width), persistent=False
        )  # used when positions == "sinusoidal"
        self.blocks = nn.ModuleList(Block(width, heads, hidden) for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, num_classes)

    def forward(
        self, tokens: torch.Tensor, position_ids: torch.Tensor, attn_mask: torch.Tensor
    ) -> torch.Tensor:
        if self.position is not None:
            where = self.position(position_ids)
        else:
            where = self.table[position_ids]
        x = self.embedding(tokens) + where
        mask = attn_mask[:, None]
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))
