"""Headless training (the recurrent models, or the tiny causal transformer) as a plain generator
of compact step records.

A Trainer is deterministic in two separate streams:
- the data: a CPU torch.Generator seeded with `seed`, drawing from the task with the batch-shape
  settings (task, batch_size, min_len, max_len, length_distribution, and the next-token task's
  corpus);
- the initial weights: built on the CPU under `torch.manual_seed(seed)` inside a forked RNG
  (the caller's global RNG is left untouched), from the model settings only.
So trainers that differ in mode, optimizer, lr or device still see the same batches and start
from the same weights: runs that differ only in mode differ only by how padding is handled.
On CPU, the same config gives the same records (all but the timing fields).

Nothing runs until `step()` is called or the iterator is advanced, so a caller (a worker
process, the CLI) can stop, pause or change the learning rate between any two steps.
"""

from __future__ import annotations

import dataclasses
import math
import mmap
import time
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import torch

from padviz.core import losses
from padviz.core.corpus_source import check_spec
from padviz.core.devices import resolve_device
from padviz.core.errors import PadvizError
from padviz.core.limits import (
    MAX_BATCH_SIZE,
    MAX_LAYERS,
    MAX_LENGTH,
    MAX_LR,
    MAX_THREADS,
    MAX_WIDTH,
)
from padviz.core.memory import check_training
from padviz.core.models import RecurrentModel, check_cell, check_model, check_model_mode
from padviz.core.options import whole_number
from padviz.core.row_packing import ALGORITHMS
from padviz.core.tasks import (
    LENGTH_DISTRIBUTIONS,
    NEXT_TOKEN,
    PAD_ID,
    Task,
    TaskBatch,
    check_task,
    get_task,
    task_names,
)
from padviz.core.transformer import MAX_HEADS, POSITIONS, TransformerLM, check_shape
from padviz.core.transformer_batches import ModelInputs, model_inputs

if TYPE_CHECKING:
    from padviz.core.next_token import NextTokenTask

OPTIMIZERS = ("adam", "sgd")


class ConfigError(PadvizError):
    """A training setting that is out of range or of the wrong type."""


class NonFiniteLossError(PadvizError):
    """The optimized loss became NaN or infinite; the weights were not updated with it."""

    def __init__(self, step: int, mode: str, value: float) -> None:
        super().__init__(
            f"training stopped at step {step} ({mode}): the loss is {value} (not finite); "
            "try a lower learning rate"
        )
        self.step = step
        self.mode = mode
        self.value = value


class DeviceOutOfMemoryError(MemoryError):
    """The device ran out of memory during a step."""

    def __init__(self, step: int, mode: str, device: str) -> None:
        super().__init__(
            f"training stopped at step {step} ({mode}): {device} ran out of memory; "
            "try a smaller batch, shorter sequences or a smaller model"
        )
        self.step = step
        self.mode = mode


@dataclass
class TrainConfig:
    """Everything that defines a training run. JSON-able through to_dict / from_dict."""

    task: str = task_names()[0]
    mode: str = "padded-masked"
    steps: int = 300
    device: str = "auto"
    seed: int = 0
    batch_size: int = 32
    embed: int = 32
    hidden: int = 64
    layers: int = 1
    bidirectional: bool = False
    cell: str = "lstm"  # padviz.core.models.CELLS: lstm, gru or rnn (tanh)
    # "lstm": the recurrent cell above; "transformer": padviz.core.transformer's causal LM, with
    # embed as its width, hidden as its MLP width, layers blocks of `heads` attention heads
    model: str = "lstm"
    heads: int = 2
    positions: str = "learned"  # the transformer's position embedding: learned or sinusoidal
    # The packed-rows modes' rows: their length (None: max_len; at least max_len, so no
    # sequence is cut) and the packing algorithm (padviz.core.row_packing)
    row_length: int | None = None
    algorithm: str = "greedy"
    optimizer: str = "adam"
    lr: float = 0.003
    min_len: int = 1
    max_len: int = 20
    length_distribution: str = "uniform"
    # The next-token task's text, and only its: a corpus file's path or "builtin:stdlib-docs"
    # (padviz.core.corpus_source); read when the run starts.
    corpus: str | None = None
    num_threads: int | None = None  # torch.set_num_threads for the whole process, if given
    nan_at_step: int | None = None  # test hook: poison the loss at this step

    def validate(self) -> TrainConfig:
        """Raise ConfigError (or the task's / mode's ValueError) naming the bad value."""
        check_task(self.task)
        if self.task == NEXT_TOKEN:
            check_spec("corpus", self.corpus, ConfigError)
        elif self.corpus is not None:
            raise ConfigError(
                f"corpus {self.corpus!r} applies to the {NEXT_TOKEN} task only, not {self.task}"
            )
        check_model_mode(check_model(self.model), self.mode)
        check_cell(self.cell)
        _choice("positions", self.positions, POSITIONS)
        _choice("algorithm", self.algorithm, ALGORITHMS)
        _int("heads", self.heads, 1, MAX_HEADS)
        if self.row_length is not None:
            _int("row_length", self.row_length, 1, MAX_LENGTH)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("length_distribution", self.length_distribution, LENGTH_DISTRIBUTIONS)
        if not isinstance(self.device, str):
            raise ConfigError(f"device must be a string, got {self.device!r}")
        _int("steps", self.steps, 1)
        _int("seed", self.seed, 0, 2**63 - 1)
        _int("batch_size", self.batch_size, 1, MAX_BATCH_SIZE)
        _int("embed", self.embed, 1, MAX_WIDTH)
        _int("hidden", self.hidden, 1, MAX_WIDTH)
        _int("layers", self.layers, 1, MAX_LAYERS)
        _int("min_len", self.min_len, 1, MAX_LENGTH)
        _int("max_len", self.max_len, self.min_len, MAX_LENGTH)
        if not isinstance(self.bidirectional, bool):
            raise ConfigError(f"bidirectional must be true or false, got {self.bidirectional!r}")
        check_lr(self.lr)
        if self.num_threads is not None:
            _int("num_threads", self.num_threads, 1, MAX_THREADS)
        if self.nan_at_step is not None:
            _int("nan_at_step", self.nan_at_step, 1)
        if self.model == "transformer":
            self._validate_transformer()
        return self

    def _validate_transformer(self) -> None:
        if self.task != NEXT_TOKEN and not get_task(self.task).per_token:
            per_token = [NEXT_TOKEN, *(n for n in task_names() if get_task(n).per_token)]
            raise ConfigError(
                f"task {self.task!r} has one target per sequence; the transformer is a "
                f"per-token language model: choose one of {', '.join(sorted(per_token))}"
            )
        if self.bidirectional:
            raise ConfigError(
                "bidirectional applies to model 'lstm' only: the transformer is causal"
            )
        try:
            check_shape(self.embed, self.heads, self.positions)
        except PadvizError as exc:
            raise ConfigError(str(exc)) from None
        if self.row_length is not None and self.row_length < self.max_len:
            raise ConfigError(
                f"row_length {self.row_length} must be at least max_len {self.max_len}, so that "
                "every sequence fits in a row"
            )

    @property
    def packed_row_length(self) -> int:
        """The length of the packed-rows modes' rows (and of the learned position table)."""
        return self.max_len if self.row_length is None else self.row_length

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        """Build and validate a config; missing keys take their defaults, unknown keys fail."""
        if not isinstance(data, dict):
            raise ConfigError(f"a training config must be a JSON object, got {type(data).__name__}")
        unknown = sorted(set(data) - {f.name for f in fields(cls)})
        if unknown:
            raise ConfigError(f"unknown training setting(s): {', '.join(unknown)}")
        return cls(**data).validate()


def _choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"unknown {name} {value!r}; choose one of {', '.join(choices)}")


def _int(name: str, value: object, low: int, high: int | None = None) -> None:
    whole_number(name, value, low=low, high=high, error=ConfigError)


def check_lr(lr: object) -> float:
    if isinstance(lr, bool) or not isinstance(lr, (int, float)) or not math.isfinite(lr) or lr <= 0:
        raise ConfigError(f"lr must be a positive finite number, got {lr!r}")
    if lr > MAX_LR:
        raise ConfigError(f"lr {lr!r} must be at most {MAX_LR:g}")
    return float(lr)


@dataclass(frozen=True)
class StepRecord:
    """What one training step reports. Plain floats: cheap to pickle, queue and plot."""

    step: int
    mode: str
    masked_loss: float
    unmasked_loss: float
    article_loss: float
    ignore_index_loss: float
    accuracy: float
    tokens: int  # real tokens in the batch
    tokens_per_s: float  # real tokens only, whatever the padding
    # wall time of the whole step: sampling, forward, backward, update. On CUDA the update is
    # queued after the step's one sync, so it lands in the next step's time (steady state holds).
    step_ms: float
    lr: float
    device: str
    memory_mb: float | None  # allocated on CUDA/MPS; resident set of the process on CPU
    # the share of the token slots the step computed that were padding: 0 when packed (a
    # PackedSequence holds real tokens only), the row padding when row-packed
    pad_share: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


RECORD_FIELDS = tuple(f.name for f in fields(StepRecord))
TIMING_FIELDS = ("tokens_per_s", "step_ms", "memory_mb")  # vary between identical runs


def task_for(config: TrainConfig) -> Task | NextTokenTask:
    """The task a config trains on. The next-token task reads its corpus (CorpusError) and
    refuses a min_len longer than all its sequences (TaskError) here, before any step."""
    if config.task == NEXT_TOKEN:
        from padviz.core.next_token import next_token_task

        task = next_token_task(check_spec("corpus", config.corpus, ConfigError))
        task.pool(config.min_len)
        return task
    return get_task(config.task)


def build_model(config: TrainConfig) -> RecurrentModel | TransformerLM:
    """The initial model for a config, on the CPU; the weights depend on (seed, model settings)."""
    task = task_for(config)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        if config.model == "transformer":
            return TransformerLM(
                vocab_size=task.vocab_size,
                num_classes=task.num_classes,
                width=config.embed,
                heads=config.heads,
                hidden=config.hidden,
                layers=config.layers,
                max_positions=config.packed_row_length,
                positions=config.positions,
            )
        return RecurrentModel(
            vocab_size=task.vocab_size,
            num_classes=task.num_classes,
            embed=config.embed,
            hidden=config.hidden,
            layers=config.layers,
            bidirectional=config.bidirectional,
            per_token=task.per_token,
            cell=config.cell,
        )


def batch_stream(config: TrainConfig) -> Iterator[TaskBatch]:
    """The endless, seeded stream of CPU batches a run trains on."""
    task = task_for(config)
    generator = torch.Generator().manual_seed(config.seed)
    while True:
        yield task.sample(
            config.batch_size,
            generator,
            config.min_len,
            config.max_len,
            config.length_distribution,
        )


def _memory_mb(device: torch.device) -> float | None:
    if device.type == "cuda":
        return torch.cuda.memory_allocated(device) / 2**20
    if device.type == "mps":
        return torch.mps.current_allocated_memory() / 2**20
    try:  # Linux only; elsewhere the CPU memory is not reported
        with open("/proc/self/statm", encoding="ascii") as f:
            resident_pages = int(f.read().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return resident_pages * mmap.PAGESIZE / 2**20


class Trainer:
    """Trains one run; iterate it (or call step()) to get one StepRecord per step."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config = dataclasses.replace(config).validate()  # a private copy
        self.device = resolve_device(config.device)
        check_training([config], self.device)
        if config.num_threads is not None:
            torch.set_num_threads(config.num_threads)
        self.model = build_model(config).to(self.device)
        params = self.model.parameters()
        if config.optimizer == "adam":
            self.optimizer: torch.optim.Optimizer = torch.optim.Adam(params, lr=config.lr)
        else:
            self.optimizer = torch.optim.SGD(params, lr=config.lr)
        self.step_count = 0
        self.last_batch: TaskBatch | None = None  # the batch of the latest step
        self._batches = batch_stream(config)
        self._objective = "unmasked" if config.mode == "padded-unmasked" else "masked"

    @property
    def lr(self) -> float:
        return self.optimizer.param_groups[0]["lr"]

    def set_lr(self, lr: float) -> None:
        """Change the learning rate from the next step on."""
        lr = check_lr(lr)
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def __iter__(self) -> Iterator[StepRecord]:
        """Steps until config.steps have been done in total (manual step() calls count)."""
        while self.step_count < self.config.steps:
            yield self.step()

    run = __iter__

    def step(self) -> StepRecord:
        """Exactly one training step on the next batch of the stream."""
        start = time.perf_counter()
        step = self.step_count + 1
        batch = next(self._batches)
        try:
            values, slots = self._forward_backward(batch, step)
        except torch.cuda.OutOfMemoryError as exc:
            self.optimizer.zero_grad(set_to_none=True)
            if self.device.type == "cuda":
                torch.cuda.empty_cache()
            raise DeviceOutOfMemoryError(step, self.config.mode, str(self.device)) from exc
        self.step_count = step
        self.last_batch = batch
        if not math.isfinite(values[0]):
            self.optimizer.zero_grad(set_to_none=True)
            raise NonFiniteLossError(step, self.config.mode, values[0])
        self.optimizer.step()
        seconds = time.perf_counter() - start
        tokens = batch.real_tokens
        masked, unmasked, article, ignored, accuracy = values[1:]
        return StepRecord(
            step=step,
            mode=self.config.mode,
            masked_loss=masked,
            unmasked_loss=unmasked,
            article_loss=article,
            ignore_index_loss=ignored,
            accuracy=accuracy,
            tokens=tokens,
            tokens_per_s=tokens / seconds,
            step_ms=seconds * 1000.0,
            lr=self.lr,
            device=str(self.device),
            memory_mb=_memory_mb(self.device),
            pad_share=1.0 - tokens / slots,
        )

    def transformer_inputs(self, batch: TaskBatch) -> ModelInputs:
        """What the transformer is fed for this run's mode (padviz.core.transformer_batches)."""
        c = self.config
        return model_inputs(
            batch.tokens, batch.targets, batch.lengths, c.mode, c.packed_row_length, c.algorithm
        )

    def _forward_backward(self, batch: TaskBatch, step: int) -> tuple[list[float], int]:
        """Forward, all loss variants, backward; one device sync to read the numbers. Returns
        them and the number of token slots computed."""
        if isinstance(self.model, TransformerLM):
            inputs = self.transformer_inputs(batch)
            tokens, targets, mask = (
                t.to(self.device, non_blocking=True)
                for t in (inputs.tokens, inputs.targets, inputs.loss_mask)
            )
            logits = self.model(
                tokens,
                inputs.position_ids.to(self.device, non_blocking=True),
                inputs.attn_mask.to(self.device, non_blocking=True),
            )
            slots = inputs.slots
        else:
            tokens = batch.tokens.to(self.device, non_blocking=True)
            targets = batch.targets.to(self.device, non_blocking=True)
            if batch.per_token:
                mask = tokens != PAD_ID
            else:
                mask = torch.ones(targets.shape, dtype=torch.bool, device=self.device)
            logits = self.model(tokens, batch.lengths, self.config.mode)
            packed = self.config.mode == "packed"
            slots = batch.real_tokens if packed else batch.tokens.numel()
        variants = losses.loss_variants(logits, targets, mask)
        loss = variants[self._objective]
        if step == self.config.nan_at_step:
            loss = loss * float("nan")
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        summary = torch.stack(
            [loss.detach()] + [variants[name].detach() for name in losses.VARIANTS]
        )
        return summary.tolist(), slots
