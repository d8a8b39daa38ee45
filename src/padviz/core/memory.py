"""Will a run fit in the device's memory? An estimate checked before anything is allocated.

The size limits (padviz.core.limits) bound each setting alone; together they still allow a
model and batch larger than any machine (8 layers of 4096 units train on 4 GB of weights, plus
the optimizer's copies). So before a trainer or a bench pool is built, its bytes are estimated
from the settings with plain arithmetic and compared with the memory the device has free now.
The estimate leans high (every activation the backward pass may keep, twice), so a refused run
would surely not have fitted, and a run that fits leaves the machine usable.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from padviz.core.errors import PadvizError

if TYPE_CHECKING:
    import torch

    from padviz.core.bench import BenchConfig
    from padviz.core.training import TrainConfig

FLOAT_BYTES = 4
# Per token, per layer and direction, an LSTM keeps its 4 gates, the cell and the output for
# the backward pass; with workspace and the gradient of each, about 8 hidden-sized vectors
# (a GRU or RNN keeps fewer: the LSTM's figure bounds them all).
LSTM_FLOATS_PER_UNIT = 8
GATES = {"lstm": 4, "gru": 3, "rnn": 1}  # weight blocks per layer and direction
HEADROOM = 2  # transient copies (device transfers, the optimizer's temporaries)
# Per token and block, the transformer keeps its two LayerNorms' inputs and outputs, q, k, v,
# the attention output, its projection and both residuals (about 12 width-sized vectors) and the
# MLP's hidden layer before and after GELU; with the gradient of each, twice that.
TRANSFORMER_FLOATS_PER_WIDTH = 24
TRANSFORMER_FLOATS_PER_HIDDEN = 4
# Per row, head and block, the math attention kernel keeps the L x L scores and their softmax
# (and their gradients): attention is O(L^2) per row.
ATTENTION_FLOATS_PER_CELL = 4


class MemoryLimitError(PadvizError):
    """A run whose estimated size exceeds the memory its device has free."""


def recurrent_parameters(
    inputs: int, hidden: int, layers: int, directions: int, cell: str = "lstm"
) -> int:
    """The number of weights of torch.nn.LSTM / GRU / RNN with these settings (biases
    included)."""
    total = 0
    for layer in range(layers):
        layer_inputs = inputs if layer == 0 else hidden * directions
        total += directions * GATES[cell] * hidden * (layer_inputs + hidden + 2)
    return total


def training_bytes(config: TrainConfig) -> int:
    """Bytes one training run needs: weights, gradients and optimizer state, one batch's
    activations kept for backward."""
    from padviz.core.next_token import VOCAB_CAP
    from padviz.core.tasks import NEXT_TOKEN, get_task

    if config.task == NEXT_TOKEN:  # at most the cap, without reading the corpus
        vocab_size = num_classes = VOCAB_CAP
    else:
        task = get_task(config.task)
        vocab_size, num_classes = task.vocab_size, task.num_classes
    if config.model == "transformer":
        return transformer_bytes(config, vocab_size, num_classes)
    directions = 2 if config.bidirectional else 1
    weights = (
        vocab_size * config.embed
        + recurrent_parameters(config.embed, config.hidden, config.layers, directions, config.cell)
        + (config.hidden * directions + 1) * num_classes
    )
    copies = 4 if config.optimizer == "adam" else 2  # weights and gradients (+ Adam's 2 moments)
    tokens = config.batch_size * config.max_len
    per_token = (
        2 * config.embed
        + LSTM_FLOATS_PER_UNIT * config.hidden * config.layers * directions
        + 4 * num_classes
    )
    return HEADROOM * FLOAT_BYTES * (copies * weights + tokens * per_token)


def transformer_parameters(
    vocab_size: int, num_classes: int, width: int, hidden: int, layers: int, positions: int
) -> int:
    """The number of weights of padviz.core.transformer.TransformerLM (learned positions)."""
    block = (
        2 * 2 * width  # two LayerNorms
        + width * 3 * width
        + 3 * width  # q, k, v
        + width * width
        + width  # the attention's output projection
        + width * hidden
        + hidden
        + hidden * width
        + width  # the MLP
    )
    embeddings = (vocab_size + positions) * width
    return embeddings + layers * block + 2 * width + (width + 1) * num_classes


def transformer_bytes(config: TrainConfig, vocab_size: int, num_classes: int) -> int:
    """Weights, gradients and optimizer state; per token the blocks' activations; per row the
    L x L attention of every head and block, and the boolean mask. A packed run has at most as
    many rows as sequences, each as long as the longest row, so one bound covers all modes."""
    row = config.packed_row_length
    weights = transformer_parameters(
        vocab_size, num_classes, config.embed, config.hidden, config.layers, row
    )
    copies = 4 if config.optimizer == "adam" else 2
    tokens = config.batch_size * row
    per_token = (
        2 * config.embed
        + config.layers
        * (
            TRANSFORMER_FLOATS_PER_WIDTH * config.embed
            + TRANSFORMER_FLOATS_PER_HIDDEN * config.hidden
        )
        + 4 * num_classes
    )
    attention = config.batch_size * row * row * config.heads * config.layers
    floats = copies * weights + tokens * per_token + ATTENTION_FLOATS_PER_CELL * attention
    mask_bytes = config.batch_size * row * row
    return HEADROOM * (FLOAT_BYTES * floats + mask_bytes)


def bench_bytes(config: BenchConfig) -> int:
    """Bytes a bench run needs: the pool on the device (padded batches and length buckets: two
    copies of features, targets and mask) and one batch's training step."""
    sequences = config.batch_size * config.buckets
    pool = 2 * sequences * config.max_len * (config.features * FLOAT_BYTES + 8 + 1)
    weights = recurrent_parameters(config.features, config.hidden, 1, 1, config.cell)
    weights += (config.hidden + 1) * config.classes
    tokens = config.batch_size * config.max_len
    step = tokens * (LSTM_FLOATS_PER_UNIT * config.hidden + 4 * config.classes)
    return HEADROOM * (pool + FLOAT_BYTES * (2 * weights + step))


def free_bytes(device: torch.device) -> int | None:
    """Memory the device has free now, or None where it cannot be told."""
    import torch

    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    if device.type == "mps":
        mps = torch.mps
        return int(mps.recommended_max_memory() - mps.driver_allocated_memory())
    return _host_free_bytes()


def _host_free_bytes() -> int | None:
    """What this process can still allocate: the machine's available memory, and no more than
    its own address-space limit (`ulimit -v`, a container's or a test's) leaves."""
    machine = _machine_free_bytes()
    room = _address_space_left()
    if machine is None or room is None:
        return machine if room is None else room
    return min(machine, room)


def _address_space_left() -> int | None:
    try:
        import resource
    except ImportError:  # Windows
        return None
    limit, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if limit == resource.RLIM_INFINITY:
        return None
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None
    return max(limit - used, 0)


def _machine_free_bytes() -> int | None:
    """MemAvailable on Linux (what can be had without swapping); elsewhere free pages."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def gigabytes(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def check_fits(need: int, device: torch.device, what: str) -> None:
    """Raise MemoryLimitError when `need` bytes exceed what `device` has free; `what` names the
    settings that set the size, e.g. "hidden 4096, layers 8, batch_size 1024"."""
    free = free_bytes(device)
    if free is not None and need > free:
        raise MemoryLimitError(
            f"{what} needs about {gigabytes(need)} but {device} has {gigabytes(free)} free; "
            "choose a smaller model, batch or length"
        )


def check_training(configs: list[TrainConfig], device: torch.device) -> None:
    """Refuse runs (trained together in one process) that would not fit on `device`."""
    what = training_settings(configs[0])
    if len(configs) > 1:
        what += f" ({len(configs)} runs)"
    check_fits(sum(training_bytes(c) for c in configs), device, what)


def check_bench(config: BenchConfig, device: torch.device) -> None:
    check_fits(bench_bytes(config), device, bench_settings(config))


def training_settings(config: TrainConfig) -> str:
    """The settings that size a training run, as the error names them."""
    if config.model == "transformer":
        return (
            f"transformer embed {config.embed}, hidden {config.hidden}, layers {config.layers}, "
            f"heads {config.heads}, batch_size {config.batch_size}, "
            f"row_length {config.packed_row_length} (attention grows with its square)"
        )
    return (
        f"embed {config.embed}, hidden {config.hidden}, layers {config.layers}"
        f"{', bidirectional' if config.bidirectional else ''}, batch_size {config.batch_size}, "
        f"max_len {config.max_len}"
    )


def bench_settings(config: BenchConfig) -> str:
    return (
        f"hidden {config.hidden}, features {config.features}, batch_size {config.batch_size}, "
        f"buckets {config.buckets}, max_len {config.max_len}"
    )
