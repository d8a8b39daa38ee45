"""The exported script's transformer parts: the model, the row packing and the three modes'
inputs, in plain torch (padviz.core.script_export puts the script together).

They mirror padviz.core.transformer (the same modules created in the same order, so the same
initial weights after torch.manual_seed), padviz.core.row_packing (greedy and first-fit
decreasing, every sequence fitting a row) and padviz.core.transformer_batches (the same masks
and position ids, padding slots included), so the script prints the trainer's numbers.
"""

from __future__ import annotations

from padviz.core.training import TrainConfig

# Every exported script's docstring (the recurrent ones' too: padviz.core.script_export).
DOCSTRING = '''\
"""{title}

Exported by padviz on {date}. Runs as written with plain PyTorch:  python {filename}
Same seed, same data stream and initial weights as the padviz run: on the CPU the printed
losses are the ones padviz plotted. Task: {description}.
Mode "{mode}": {mode_text}
"""
'''
HEADER = (
    DOCSTRING
    + """
import math

import torch
import torch.nn.functional as F
from torch import nn

TASK = {task!r}
MODE = {mode!r}  # padded | packed-rows | packed-rows-unmasked
STEPS = {steps}
SEED = {seed}
DEVICE = {device!r}  # auto | cpu | cuda | cuda:N | mps
BATCH_SIZE = {batch_size}
MIN_LEN, MAX_LEN = {min_len}, {max_len}
LENGTH_DISTRIBUTION = {length_distribution!r}
WIDTH, HEADS, HIDDEN, LAYERS = {embed}, {heads}, {hidden}, {layers}
POSITIONS = {positions!r}  # learned | sinusoidal
ROW_LENGTH, ALGORITHM = {row_length}, {algorithm!r}  # the packed rows; greedy | ffd
OPTIMIZER, LR = {optimizer!r}, {lr!r}
VOCAB_SIZE, NUM_CLASSES, PER_TOKEN = {vocab_size}, {num_classes}, {per_token}
PAD = 0  # token id 0 is padding; real tokens are 1..VOCAB_SIZE-1
"""
)

MODE_TEXT = {
    "padded": "the padded batch, the causal mask combined with the key padding mask; loss "
    "over real tokens only.",
    "packed-rows": "the sequences packed into rows of ROW_LENGTH, a block-diagonal causal mask "
    "and position ids restarting at each sequence: each sequence computes what it would alone.",
    "packed-rows-unmasked": "packed rows WITHOUT the document mask or reset positions: every "
    "sequence attends to the ones before it in its row, so its loss is not comparable.",
}

MODEL_AND_LOOP = '''

def pack(lengths):
    """Rows of sequence indices, each row's lengths summing to at most ROW_LENGTH. greedy: in
    order, a new row when the next one does not fit; ffd: longest first (ties by index), each
    into the first row with room."""
    rows, rooms = [], []
    if ALGORITHM == "greedy":
        for i, n in enumerate(lengths):
            if not rows or n > rooms[-1]:
                rows.append([])
                rooms.append(ROW_LENGTH)
            rows[-1].append(i)
            rooms[-1] -= n
        return rows
    for i in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        for r, room in enumerate(rooms):
            if lengths[i] <= room:
                rows[r].append(i)
                rooms[r] -= lengths[i]
                break
        else:
            rows.append([i])
            rooms.append(ROW_LENGTH - lengths[i])
    return rows


def model_inputs(tokens, lengths, targets):
    """(tokens, targets, loss mask, position ids, attention mask) for MODE; True in the
    attention mask means "may attend" (scaled_dot_product_attention's convention)."""
    if MODE == "padded":
        steps = tokens.shape[1]
        real = torch.arange(steps)[None, :] < lengths[:, None]
        causal = torch.ones(steps, steps, dtype=torch.bool).tril()
        mask = causal[None] & real[:, None, :]  # causal AND the key padding mask
        positions = torch.arange(steps).expand(len(lengths), steps)
        return tokens, targets, real, positions, mask
    rows = pack(lengths.tolist())
    shape = (len(rows), ROW_LENGTH)
    row_tokens = torch.full(shape, PAD, dtype=torch.int64)
    row_targets = torch.zeros(shape, dtype=torch.int64)
    positions = torch.zeros(shape, dtype=torch.int64)
    document = torch.full(shape, -1)  # which sequence of its row a slot holds; -1: padding
    for r, row in enumerate(rows):
        at = 0
        for k, i in enumerate(row):
            n = int(lengths[i])
            row_tokens[r, at : at + n] = tokens[i, :n]
            row_targets[r, at : at + n] = targets[i, :n]  # each sequence keeps its own labels
            positions[r, at : at + n] = torch.arange(n)  # restart at each sequence
            document[r, at : at + n] = k
            at += n
    real = document >= 0
    causal = torch.ones(ROW_LENGTH, ROW_LENGTH, dtype=torch.bool).tril()
    mask = causal[None] & real[:, None, :] & real[:, :, None]
    if MODE == "packed-rows":
        mask &= document[:, :, None] == document[:, None, :]  # the block-diagonal document mask
    else:  # the mistake: positions run along the row, sequences see their neighbours
        positions = torch.arange(ROW_LENGTH).expand(shape)
    mask |= torch.eye(ROW_LENGTH, dtype=torch.bool)[None] & ~real[:, :, None]  # pads: self only
    return row_tokens, row_targets, real, positions, mask


def sinusoidal_table(count, width):
    pos = torch.arange(count, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
    table = torch.zeros(count, width)
    table[:, 0::2] = torch.sin(pos * freq)
    table[:, 1::2] = torch.cos(pos * freq)[:, : width // 2]
    return table


class Block(nn.Module):
    """Pre-norm: x + attention(norm(x)), then x + mlp(norm(x))."""

    def __init__(self):
        super().__init__()
        self.norm1 = nn.LayerNorm(WIDTH)
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.proj = nn.Linear(WIDTH, WIDTH)
        self.norm2 = nn.LayerNorm(WIDTH)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, HIDDEN), nn.GELU(), nn.Linear(HIDDEN, WIDTH))

    def forward(self, x, mask):
        rows, length, _ = x.shape
        qkv = self.qkv(self.norm1(x)).view(rows, length, 3, HEADS, WIDTH // HEADS)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        x = x + self.proj(attended.transpose(1, 2).reshape(rows, length, WIDTH))
        return x + self.mlp(self.norm2(x))


class Model(nn.Module):
    """A tiny causal transformer language model; positions looked up by position id."""

    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(VOCAB_SIZE, WIDTH, padding_idx=PAD)
        self.position = nn.Embedding(ROW_LENGTH, WIDTH) if POSITIONS == "learned" else None
        self.register_buffer("table", sinusoidal_table(ROW_LENGTH, WIDTH), persistent=False)
        self.blocks = nn.ModuleList(Block() for _ in range(LAYERS))
        self.norm = nn.LayerNorm(WIDTH)
        self.head = nn.Linear(WIDTH, NUM_CLASSES)

    def forward(self, tokens, positions, mask):
        where = self.position(positions) if self.position is not None else self.table[positions]
        x = self.embedding(tokens) + where
        for block in self.blocks:
            x = block(x, mask[:, None])  # one mask for every head
        return self.head(self.norm(x))


def main():
    device = pick_device(DEVICE)
    torch.manual_seed(SEED)  # the initial weights
    model = Model().to(device)
    if OPTIMIZER == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    data = torch.Generator().manual_seed(SEED)  # the data stream, separate from the weights
    print(f"{TASK}, transformer, mode {MODE}, {STEPS} steps on {device}")
    for step in range(1, STEPS + 1):
        tokens, lengths, targets = make_batch(data)
        inputs = model_inputs(tokens, lengths, targets)
        tokens, targets, mask, positions, attention = (t.to(device) for t in inputs)
        logits = model(tokens, positions, attention)
        cells = F.cross_entropy(
            logits.reshape(-1, NUM_CLASSES), targets.reshape(-1), reduction="none"
        ).view(targets.shape)
        m = mask.to(cells.dtype)
        masked = (cells * m).sum() / m.sum().clamp_min(1)  # real tokens only
        unmasked = cells.mean()  # every slot, padding included
        loss = masked
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if not math.isfinite(loss.item()):
            raise SystemExit(f"step {step}: the loss is {loss.item()} (not finite)")
        optimizer.step()
        correct = (logits.detach().argmax(dim=-1) == targets).float()
        accuracy = (correct * m).sum() / m.sum().clamp_min(1)
        print(
            f"step {step:5d}  loss {loss.item():.6f}  masked {masked.item():.6f}  "
            f"unmasked {unmasked.item():.6f}  accuracy {accuracy.item():.4f}"
        )


if __name__ == "__main__":
    main()
'''


def header_values(config: TrainConfig) -> dict[str, object]:
    """The config's values the transformer header names (the row length made explicit)."""
    return {**config.to_dict(), "row_length": config.packed_row_length}
