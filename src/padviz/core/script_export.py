"""Export one training run as a standalone Python script: plain torch, no padviz import.
A transformer run's model, packing and inputs come from padviz.core.script_transformer.

The script rebuilds exactly what `Trainer(config)` does: the same seeded data stream (same
generator calls in the same order), the same initial weights (the same modules created in the
same order after `torch.manual_seed(seed)`), the same forward pass for the run's mode and the
same loss arithmetic. On the CPU it therefore prints the trainer's own numbers; the test suite
checks that. Each step prints one line: `step N  loss L  masked M  unmasked U  accuracy A`,
where `loss` is the value the run optimizes.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from padviz.core.files import write_text_atomically
from padviz.core.script_transformer import DOCSTRING
from padviz.core.tasks import NEXT_TOKEN, get_task
from padviz.core.training import ConfigError, TrainConfig

_HEADER = (
    DOCSTRING
    + """
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

TASK = {task!r}
MODE = {mode!r}  # padded-unmasked | padded-masked | packed
STEPS = {steps}
SEED = {seed}
DEVICE = {device!r}  # auto | cpu | cuda | cuda:N | mps
BATCH_SIZE = {batch_size}
MIN_LEN, MAX_LEN = {min_len}, {max_len}
LENGTH_DISTRIBUTION = {length_distribution!r}
CELL = {cell!r}  # lstm | gru | rnn (tanh)
EMBED, HIDDEN, LAYERS, BIDIRECTIONAL = {embed}, {hidden}, {layers}, {bidirectional}
OPTIMIZER, LR = {optimizer!r}, {lr!r}
VOCAB_SIZE, NUM_CLASSES, PER_TOKEN = {vocab_size}, {num_classes}, {per_token}
PAD = 0  # token id 0 is padding; real tokens are 1..VOCAB_SIZE-1
"""
)

_DEVICE_AND_LENGTHS = '''

def pick_device(name):
    """auto: the first CUDA device, else Apple MPS, else the CPU."""
    mps = getattr(torch.backends, "mps", None)
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda:0")
        return torch.device("mps" if mps is not None and mps.is_available() else "cpu")
    return torch.device("cuda:0" if name == "cuda" else name)


def sample_lengths(generator):
    """BATCH_SIZE lengths in [MIN_LEN, MAX_LEN], drawn from LENGTH_DISTRIBUTION."""
    span = MAX_LEN - MIN_LEN
    if LENGTH_DISTRIBUTION == "uniform":
        return torch.randint(MIN_LEN, MAX_LEN + 1, (BATCH_SIZE,), generator=generator)
    if LENGTH_DISTRIBUTION == "fixed":
        return torch.full((BATCH_SIZE,), MAX_LEN, dtype=torch.int64)
    x = torch.randn(BATCH_SIZE, generator=generator, dtype=torch.float64)
    if LENGTH_DISTRIBUTION == "normal":
        x = (MIN_LEN + MAX_LEN) / 2 + x * (span / 6)
    else:  # lognormal: many short sequences, a long tail of long ones
        x = MIN_LEN + torch.exp(x * 0.8) * (span / 8)
    return x.round().clamp(MIN_LEN, MAX_LEN).to(torch.int64)


def pad_cells(lengths, steps):
    """B x steps bool, True where a sequence has ended (the pads)."""
    return torch.arange(steps)[None, :] >= lengths[:, None]


def random_tokens(lengths, low, high, generator):
    """Right-padded B x max(lengths) tokens, uniform in [low, high), PAD after each length."""
    steps = int(lengths.max())
    tokens = torch.randint(low, high, (len(lengths), steps), generator=generator)
    return tokens.masked_fill(pad_cells(lengths, steps), PAD)
'''

_TASKS = {
    "running-sum-mod-k": '''

def make_batch(generator):
    """Per token: the running sum of the tokens mod NUM_CLASSES; the target is 0 at pads."""
    lengths = sample_lengths(generator)
    tokens = random_tokens(lengths, 1, NUM_CLASSES + 1, generator)
    targets = tokens.cumsum(dim=1) % NUM_CLASSES
    return tokens, lengths, targets.masked_fill(tokens == PAD, 0)
''',
    "majority": '''

def make_batch(generator):
    """Per sequence: the class that fills more than half of the sequence."""
    lengths = sample_lengths(generator)
    batch, steps = len(lengths), int(lengths.max())
    pads = pad_cells(lengths, steps)
    majority = torch.randint(0, NUM_CLASSES, (batch,), generator=generator)
    keys = torch.rand(batch, steps, generator=generator).masked_fill(pads, 2.0)
    rank = keys.argsort(dim=1).argsort(dim=1)
    in_majority = rank < (lengths // 2 + 1)[:, None]
    shift = torch.randint(1, NUM_CLASSES, (batch, steps), generator=generator)
    classes = torch.where(
        in_majority, majority[:, None], (majority[:, None] + shift) % NUM_CLASSES
    )
    return (classes + 1).masked_fill(pads, PAD), lengths, majority
''',
    "last-token": '''

def make_batch(generator):
    """Per sequence: the last real token (class = token id - 1)."""
    lengths = sample_lengths(generator)
    tokens = random_tokens(lengths, 1, NUM_CLASSES + 1, generator)
    last = tokens.gather(1, (lengths - 1)[:, None]).squeeze(1)
    return tokens, lengths, last - 1
''',
}

_MODEL_AND_LOOP = '''

CELLS = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


class Model(nn.Module):
    """Embedding -> the recurrent cell (batch-first) -> linear head, on padded or packed input."""

    def __init__(self):
        super().__init__()
        self.directions = 2 if BIDIRECTIONAL else 1
        self.embedding = nn.Embedding(VOCAB_SIZE, EMBED, padding_idx=PAD)
        self.rnn = CELLS[CELL](
            EMBED, HIDDEN, num_layers=LAYERS, bidirectional=BIDIRECTIONAL, batch_first=True
        )
        self.head = nn.Linear(HIDDEN * self.directions, NUM_CLASSES)

    def forward(self, tokens, lengths):
        x = self.embedding(tokens)
        if MODE == "packed":
            # Lengths stay on the CPU; the cell never reads a pad.
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, state = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=tokens.shape[1])
        else:
            out, state = self.rnn(x)  # reads the pads: shorter sequences' h_n is off
        h_n = state[0] if CELL == "lstm" else state  # an LSTM's state is (h_n, c_n)
        final = torch.cat(tuple(h_n[-self.directions:]), dim=1)  # last layer, batch order
        return self.head(out if PER_TOKEN else final)


def main():
    device = pick_device(DEVICE)
    torch.manual_seed(SEED)  # the initial weights
    model = Model().to(device)
    if OPTIMIZER == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    data = torch.Generator().manual_seed(SEED)  # the data stream, separate from the weights
    print(f"{TASK}, mode {MODE}, {STEPS} steps on {device}")
    for step in range(1, STEPS + 1):
        tokens, lengths, targets = make_batch(data)
        tokens, targets = tokens.to(device), targets.to(device)
        if PER_TOKEN:
            mask = tokens != PAD
        else:
            mask = torch.ones(targets.shape, dtype=torch.bool, device=device)
        logits = model(tokens, lengths)
        cells = F.cross_entropy(
            logits.reshape(-1, NUM_CLASSES), targets.reshape(-1), reduction="none"
        ).view(targets.shape)
        m = mask.to(cells.dtype)
        masked = (cells * m).sum() / m.sum().clamp_min(1)  # real tokens only
        unmasked = cells.mean()  # every cell, pads included
        loss = unmasked if MODE == "padded-unmasked" else masked
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

_MODE_TEXT = {
    "padded-unmasked": "the network reads the pads and the loss averages over every cell, pads "
    "included (the curve looks better than the model is).",
    "padded-masked": "the network reads the pads; the loss counts real tokens only.",
    "packed": "pack_padded_sequence in, pad_packed_sequence out, loss over real tokens only.",
}


_CELL_TITLE = {"lstm": "an LSTM", "gru": "a GRU", "rnn": "a tanh RNN"}


def export_script(config: TrainConfig, filename: str = "padviz_run.py") -> str:
    """The source of a standalone script that reproduces `config`'s run and prints its losses."""
    config.validate()
    if config.task == NEXT_TOKEN:
        raise ConfigError(
            f"script export does not cover the {NEXT_TOKEN} task: its data is a corpus that "
            "padviz reads and maps to a capped vocabulary; export a run of a synthetic task"
        )
    task = get_task(config.task)
    if config.task not in _TASKS:
        raise ValueError(f"script export does not cover the task {config.task!r} yet")
    if config.model == "transformer":
        return _transformer_script(config, filename)
    header = _HEADER.format(
        title=f"{config.task}: {_CELL_TITLE[config.cell]} trained {config.mode}, "
        "exported from padviz",
        date=datetime.date.today().isoformat(),
        filename=filename,
        description=task.description,
        mode_text=_MODE_TEXT[config.mode],
        vocab_size=task.vocab_size,
        num_classes=task.num_classes,
        per_token=task.per_token,
        **{k: v for k, v in config.to_dict().items() if k not in ("num_threads", "nan_at_step")},
    )
    threads = (
        f"\ntorch.set_num_threads({config.num_threads})\n" if config.num_threads is not None else ""
    )
    return header + threads + _DEVICE_AND_LENGTHS + _TASKS[config.task] + _MODEL_AND_LOOP


def _transformer_script(config: TrainConfig, filename: str) -> str:
    from padviz.core import script_transformer as parts

    task = get_task(config.task)
    header = parts.HEADER.format(
        title=f"{config.task}: a causal transformer trained {config.mode}, exported from padviz",
        date=datetime.date.today().isoformat(),
        filename=filename,
        description=task.description,
        mode_text=parts.MODE_TEXT[config.mode],
        vocab_size=task.vocab_size,
        num_classes=task.num_classes,
        per_token=task.per_token,
        **parts.header_values(config),
    )
    threads = (
        f"\ntorch.set_num_threads({config.num_threads})\n" if config.num_threads is not None else ""
    )
    return header + threads + _DEVICE_AND_LENGTHS + _TASKS[config.task] + parts.MODEL_AND_LOOP


def write_script(config: TrainConfig, path: str | Path) -> Path:
    """Write export_script(config) to `path`, all or nothing (PadvizError naming it)."""
    path = Path(path)
    write_text_atomically(path, export_script(config, filename=path.name))
    return path
