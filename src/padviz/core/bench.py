"""What padding costs: LSTM training time for padded, packed and length-bucketed batches.

Bucketing, as practitioners use it (torchtext's BucketIterator, Hugging Face's
`group_by_length`, a length-grouped sampler), works on the data set, not inside one batch. So
`measure` draws, for every pad ratio, a pool of `batch_size * buckets` sequences whose lengths
leave that share of a (N, max_len) tensor as padding, and times training on the whole pool
(one step per batch: forward, masked loss, backward, SGD update) three ways:

- padded: the pool cut into `buckets` batches in random order, each padded to `max_len`, as a
  fixed-shape pipeline does (`padding="max_length"`, static shapes); plain `nn.LSTM`;
- packed: the same random batches, `pack_padded_sequence(..., enforce_sorted=False)` with CPU
  lengths inside the step, the head and the loss applied to `PackedSequence.data`;
- bucketed: the pool sorted by length and cut into `buckets` batches of `batch_size`, each
  padded only to its own longest sequence and run as a padded batch.

With `corpus` set (a corpus spec, padviz.core.corpus_source), there is one pool instead of one
per pad ratio: `batch_size * buckets` lengths drawn from the corpus's own (without replacement
when it has enough sequences), each clipped to max_len. Its row's `target_pad_ratio` is then
the whole corpus's pad ratio at max_len, `pad_ratio` the drawn pool's, and the recommendation
speaks of that corpus.

Building the batches (sorting, cutting, padding) happens outside the timed steps, as a sampler
and collate function do it in a data loader. Padding to `max_len` makes the pool's pad ratio
exactly the share of padded work, so `1 - pad_ratio` is the ideal time ratio.

Timing is honest: warm-up pools, repetitions interleaved across strategies (rotating the order),
device synchronisation around every timed pool, `time.perf_counter`, medians with IQR and range.
The function is pure torch + numpy, reports progress through a callback and stops when asked,
so the CLI and a GUI worker process can both drive it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn
from torch.nn.functional import cross_entropy
from torch.nn.utils.rnn import pack_padded_sequence

from padviz.core.bench_pools import (
    Batch,
    Pool,
    corpus_pool,
    lengths_for_pad_ratio,
    make_pool,
    pad_ratio,
)
from padviz.core.corpus import Progress
from padviz.core.corpus_source import check_spec, load
from padviz.core.devices import resolve_device
from padviz.core.errors import PadvizError
from padviz.core.limits import (
    MAX_BATCH_SIZE,
    MAX_BENCH_BATCHES,
    MAX_LENGTH,
    MAX_THREADS,
    MAX_WIDTH,
)
from padviz.core.memory import check_bench
from padviz.core.models import CELLS
from padviz.core.options import whole_number

STRATEGIES = ("padded", "packed", "bucketed")
DEFAULT_PAD_RATIOS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
QUICK_PAD_RATIOS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9)
# A row whose IQR exceeds this fraction of its median was disturbed (another busy process,
# frequency scaling): its verdict is flagged rather than trusted.
NOISY = 0.25
CORPUS_STREAM = 10_001  # seeds a corpus's pool apart from every pad ratio's (0 .. 9,999)

ProgressFn = Callable[["BenchRow | None", float], None]
StopFn = Callable[[], bool]


class BenchError(PadvizError):
    """A bench setting that cannot be measured (bad size). An unknown or absent device is
    padviz.core.devices.DeviceError, raised by measure() as for training."""


@dataclass(frozen=True)
class BenchConfig:
    """What to measure. `quick()` gives the short run; the defaults are the full one."""

    device: str = "auto"  # any name padviz.core.devices.resolve_device accepts
    hidden: int = 128
    cell: str = "lstm"  # padviz.core.models.CELLS
    batch_size: int = 32
    max_len: int = 100
    features: int = 32
    classes: int = 8
    # Batches per pool: the pool holds batch_size * buckets sequences; bucketing cuts it into
    # this many length buckets of batch_size, and padded / packed into as many random batches.
    buckets: int = 8
    warmup: int = 2  # untimed pools per strategy and ratio
    reps: int = 10  # timed pools per strategy and ratio
    seed: int = 0
    # CPU threads for the run (torch.set_num_threads); None keeps torch's default. Fewer threads
    # than cores keep OpenMP from stalling when another process is busy on the machine.
    threads: int | None = None
    pad_ratios: tuple[float, ...] = DEFAULT_PAD_RATIOS
    # A corpus spec: one pool drawn from its real lengths replaces the pad ratios.
    corpus: str | None = None

    @property
    def row_count(self) -> int:
        """Rows a full measurement gives: one per pad ratio, or one for a corpus."""
        return 1 if self.corpus is not None else len(self.pad_ratios)

    @classmethod
    def quick(cls, **overrides: object) -> BenchConfig:
        """Fewer ratios, repetitions and batches per pool, same model and batch: under a minute
        on a 2-core CPU."""
        return replace(
            cls(buckets=4, warmup=1, reps=5, pad_ratios=QUICK_PAD_RATIOS),
            **overrides,  # type: ignore[arg-type]
        )

    def validate(self) -> None:
        """Raise BenchError naming the first setting that cannot be measured. The device is
        only looked for by measure(): finding it may start CUDA, which a GUI never should."""
        if not isinstance(self.device, str):
            raise BenchError(f"device must be a string, got {self.device!r}")
        if not isinstance(self.cell, str) or self.cell not in CELLS:
            raise BenchError(f"unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}")
        for name, top in (
            ("hidden", MAX_WIDTH),
            ("features", MAX_WIDTH),
            ("batch_size", MAX_BATCH_SIZE),
            ("max_len", MAX_LENGTH),
            ("buckets", MAX_BENCH_BATCHES),
        ):
            whole_number(name, getattr(self, name), low=1, high=top, error=BenchError)
        whole_number("reps", self.reps, low=1, error=BenchError)
        whole_number("threads", self.threads, low=1, high=MAX_THREADS, error=BenchError, none=True)
        whole_number("classes", self.classes, low=2, high=MAX_WIDTH, error=BenchError)
        whole_number("warmup", self.warmup, low=0, error=BenchError)
        if self.corpus is not None:
            check_spec("corpus", self.corpus, BenchError)
        elif not self.pad_ratios:
            raise BenchError("at least one pad ratio is needed")
        for p in self.pad_ratios:
            if not 0.0 <= p < 1.0:
                raise BenchError(f"pad ratios must lie in [0, 1), got {p}")


@dataclass(frozen=True)
class Timing:
    """Times of one strategy at one pad ratio, in milliseconds (each sample: a whole pool)."""

    median_ms: float
    q1_ms: float
    q3_ms: float
    min_ms: float
    max_ms: float

    @property
    def iqr_ms(self) -> float:
        return self.q3_ms - self.q1_ms

    @classmethod
    def from_seconds(cls, samples: Sequence[float]) -> Timing:
        ms = np.asarray(samples, dtype=np.float64) * 1e3
        q1, median, q3 = np.percentile(ms, [25, 50, 75])
        return cls(float(median), float(q1), float(q3), float(ms.min()), float(ms.max()))


@dataclass(frozen=True)
class BenchRow:
    """One pad ratio: the target, the ratio the pool's lengths actually reach, the timings."""

    target_pad_ratio: float
    pad_ratio: float
    timings: dict[str, Timing]

    @property
    def padded_ms(self) -> float:
        return self.timings["padded"].median_ms

    @property
    def packed_ms(self) -> float:
        return self.timings["packed"].median_ms

    @property
    def bucketed_ms(self) -> float:
        return self.timings["bucketed"].median_ms

    @property
    def packed_over_padded(self) -> float:
        return self.packed_ms / self.padded_ms

    @property
    def bucketed_over_padded(self) -> float:
        return self.bucketed_ms / self.padded_ms

    @property
    def noisy(self) -> bool:
        return any(t.iqr_ms > NOISY * t.median_ms for t in self.timings.values())

    @property
    def ideal(self) -> float:
        """The time ratio if cost were proportional to real tokens only."""
        return 1.0 - self.pad_ratio

    def to_dict(self) -> dict[str, float | bool]:
        out = {
            "target_pad_ratio": self.target_pad_ratio,
            "pad_ratio": self.pad_ratio,
            "padded_ms": self.padded_ms,
            "packed_ms": self.packed_ms,
            "bucketed_ms": self.bucketed_ms,
            "packed_over_padded": self.packed_over_padded,
            "bucketed_over_padded": self.bucketed_over_padded,
            "ideal": self.ideal,
            "noisy": self.noisy,
        }
        for name in STRATEGIES:
            t = self.timings[name]
            out[f"{name}_iqr_ms"] = t.iqr_ms
            out[f"{name}_min_ms"] = t.min_ms
            out[f"{name}_max_ms"] = t.max_ms
        return out


@dataclass(frozen=True)
class BenchResult:
    config: BenchConfig
    device: str
    device_name: str
    threads: int
    rows: list[BenchRow] = field(default_factory=list)
    interrupted: bool = False

    @property
    def recommendation(self) -> str:
        from padviz.core.bench_verdict import recommend, recommend_for_corpus

        if self.config.corpus is not None and self.rows:
            return recommend_for_corpus(self.rows[0], self.device_name, self.config)
        return recommend(self.rows, self.device_name)

    def to_dict(self) -> dict[str, object]:
        """The settings, `rows` and `recommendation`; `corpus` is null without one, and with
        one `pad_ratios` lists its row's target (the corpus's pad ratio at max_len)."""
        config = asdict(self.config)
        config.pop("device")
        config["pad_ratios"] = (
            [row.target_pad_ratio for row in self.rows]
            if self.config.corpus is not None
            else list(self.config.pad_ratios)
        )
        return {
            "device": self.device,
            "device_name": self.device_name,
            "torch": torch.__version__,
            **config,
            "threads": self.threads,
            "interrupted": self.interrupted,
            "rows": [row.to_dict() for row in self.rows],
            "recommendation": self.recommendation,
        }


# --- devices ---------------------------------------------------------------------------------


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        label = "cuda" if not device.index else str(device)  # "cuda:1" only past the first
        return f"{label} ({torch.cuda.get_device_name(device)})"
    if device.type == "cpu":
        threads = torch.get_num_threads()
        return f"cpu ({threads} thread{'s' * (threads > 1)}, {os.cpu_count()} cores)"
    return device.type


def synchronize(device: torch.device) -> None:
    """Wait for queued kernels, so a timer measures the work and not just its launch."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


# --- steps -----------------------------------------------------------------------------------


class Tagger(nn.Module):
    """A one-layer LSTM (or GRU, RNN) with a per-token linear head: the model every strategy
    trains."""

    def __init__(self, config: BenchConfig) -> None:
        super().__init__()
        self.rnn = CELLS[config.cell](config.features, config.hidden, batch_first=True)
        self.head = nn.Linear(config.hidden, config.classes)


def step_functions(model: Tagger) -> dict[str, Callable[[Batch], None]]:
    """One training step on a batch, padded or packed; both minimise the token-mean loss.

    After a call, the parameters' `.grad` hold that step's gradient (for tests to compare).
    """
    params = list(model.parameters())

    # A plain SGD update, written out: constructing the first torch.optim optimizer in a process
    # imports torch._dynamo (~4 s here), a cost no step should pay.
    def zero_grad() -> None:
        for p in params:
            p.grad = None

    @torch.no_grad()
    def sgd_step() -> None:
        for p in params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-1e-3)

    def padded(batch: Batch) -> None:
        zero_grad()
        logits = model.head(model.rnn(batch.x)[0])
        ce = cross_entropy(logits.flatten(0, 1), batch.targets.flatten(), reduction="none")
        mask = batch.mask.flatten()
        ((ce * mask).sum() / mask.sum()).backward()
        sgd_step()

    def packed(batch: Batch) -> None:
        zero_grad()
        x = pack_padded_sequence(batch.x, batch.lengths, batch_first=True, enforce_sorted=False)
        y = pack_padded_sequence(
            batch.targets, batch.lengths, batch_first=True, enforce_sorted=False
        )
        out, _ = model.rnn(x)
        cross_entropy(model.head(out.data), y.data).backward()
        sgd_step()

    return {"padded": padded, "packed": packed}


def pool_functions(model: Tagger, pool: Pool) -> dict[str, Callable[[], None]]:
    """Train on the whole pool, one step per batch, for each strategy."""
    step = step_functions(model)

    def run(name: str, batches: list[Batch]) -> Callable[[], None]:
        def train() -> None:
            for batch in batches:
                step[name](batch)

        return train

    return {
        "padded": run("padded", pool.random_batches),
        "packed": run("packed", pool.random_batches),
        "bucketed": run("padded", pool.buckets),
    }


# --- measuring -------------------------------------------------------------------------------


def measure(
    config: BenchConfig,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
    reading: Progress | None = None,
) -> BenchResult:
    """Time the three strategies on a pool at every pad ratio of `config`.

    `progress(row, fraction)` is called after every round (one pool per strategy) with
    `row=None`, and with the finished BenchRow when a pad ratio is done; `fraction` runs from 0
    to 1. `should_stop()` is polled before every round: when it returns True, the result holds
    the rows finished so far and `interrupted=True`. `config.threads`, when set, applies for
    this call only. A corpus is read first (CorpusError naming the file), reporting to
    `reading(done, total)`.
    """
    config.validate()
    corpus = None if config.corpus is None else load(config.corpus, progress=reading).lengths
    device = resolve_device(config.device)
    check_bench(config, device)
    threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        return _measure(config, device, progress, should_stop, corpus)
    finally:
        torch.set_num_threads(threads)


def _measure(
    config: BenchConfig,
    device: torch.device,
    progress: ProgressFn | None,
    should_stop: StopFn | None,
    corpus: np.ndarray | None,
) -> BenchResult:
    torch.manual_seed(config.seed)
    model = Tagger(config).to(device)
    result = BenchResult(config, device.type, device_name(device), torch.get_num_threads())
    rounds = config.warmup + config.reps
    total = config.row_count * rounds
    done = 0
    if progress is not None:
        progress(None, 0.0)  # started: the first pool of a large bench takes a while
    for target, lengths, rng in _pools(config, corpus):
        trains = pool_functions(model, make_pool(lengths, config, rng, device))
        samples: dict[str, list[float]] = {name: [] for name in STRATEGIES}
        for r in range(rounds):
            if should_stop is not None and should_stop():
                return replace(result, interrupted=True)
            shift = r % len(STRATEGIES)
            for name in STRATEGIES[shift:] + STRATEGIES[:shift]:
                synchronize(device)
                start = time.perf_counter()
                trains[name]()
                synchronize(device)
                if r >= config.warmup:
                    samples[name].append(time.perf_counter() - start)
            done += 1
            if progress is not None:
                progress(None, done / total)
        row = BenchRow(
            target,
            pad_ratio(lengths, config.max_len),
            {name: Timing.from_seconds(samples[name]) for name in STRATEGIES},
        )
        result.rows.append(row)
        if progress is not None:
            progress(row, done / total)
    return result


def _pools(
    config: BenchConfig, corpus: np.ndarray | None
) -> Iterator[tuple[float, np.ndarray, np.random.Generator]]:
    """(target pad ratio, pool lengths, the generator that goes on to draw its data)."""
    count = config.batch_size * config.buckets
    if corpus is not None:
        rng = np.random.default_rng([config.seed, CORPUS_STREAM])
        yield (*corpus_pool(corpus, count, config.max_len, rng), rng)
        return
    for target in config.pad_ratios:
        rng = np.random.default_rng([config.seed, round(target * 10_000)])
        yield target, lengths_for_pad_ratio(target, count, config.max_len, rng), rng
