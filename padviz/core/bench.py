"""What padding costs: LSTM step time for padded, packed and length-bucketed batches.

`measure` times one training step (forward, masked loss, backward, SGD update) of a small
LSTM tagger for three ways of feeding the same batch, at several pad ratios:

- padded: the whole batch padded to its longest sequence, plain `nn.LSTM` on the padded tensor;
- packed: `pack_padded_sequence(..., enforce_sorted=False)` with CPU lengths inside the step,
  the head and the loss applied to `PackedSequence.data` (only real tokens);
- bucketed: the batch sorted by length and split into K buckets, each padded to its own longest
  sequence and run as a padded batch (gradients accumulated, one SGD update); the time is
  for the whole batch. Sorting and splitting happen outside the timed step, as a bucketing
  sampler would do them in a data loader.

Timing is honest: warm-up steps, repetitions interleaved across strategies (rotating the order),
device synchronisation around every timed step, `time.perf_counter`, medians with IQR and range.
The function is pure torch + numpy, reports progress through a callback and stops when asked,
so the CLI and a GUI worker process can both drive it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import nn
from torch.nn.functional import cross_entropy
from torch.nn.utils.rnn import pack_padded_sequence

STRATEGIES = ("padded", "packed", "bucketed")
DEVICES = ("auto", "cpu", "cuda", "mps")
DEFAULT_PAD_RATIOS = (0.0, 0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95)
QUICK_PAD_RATIOS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.9)
# A strategy only "beats" padding when it is at least this much faster: smaller differences are
# within run-to-run noise on a busy machine, and padding is the simpler code.
MARGIN = 0.05
# A row whose IQR exceeds this fraction of its median was disturbed (another busy process,
# frequency scaling): its verdict is flagged rather than trusted.
NOISY = 0.25

ProgressFn = Callable[["BenchRow | None", float], None]
StopFn = Callable[[], bool]


class BenchError(ValueError):
    """A bench setting that cannot be measured (bad size, unavailable device)."""


@dataclass(frozen=True)
class BenchConfig:
    """What to measure. `quick()` gives the short run; the defaults are the full one."""

    device: str = "auto"
    hidden: int = 128
    batch_size: int = 32
    max_len: int = 100
    features: int = 32
    classes: int = 8
    buckets: int = 4
    warmup: int = 3
    reps: int = 15
    seed: int = 0
    # CPU threads for the run (torch.set_num_threads); None keeps torch's default. Fewer threads
    # than cores keep OpenMP from stalling when another process is busy on the machine.
    threads: int | None = None
    pad_ratios: tuple[float, ...] = DEFAULT_PAD_RATIOS

    @classmethod
    def quick(cls, **overrides: object) -> BenchConfig:
        """Fewer ratios and repetitions, same model: under a minute on a 2-core CPU."""
        return replace(cls(warmup=2, reps=5, pad_ratios=QUICK_PAD_RATIOS), **overrides)

    def validate(self) -> None:
        """Raise BenchError naming the first setting that cannot be measured."""
        if self.device not in DEVICES:
            raise BenchError(f"unknown device {self.device!r}; choose one of {', '.join(DEVICES)}")
        for name in ("hidden", "batch_size", "max_len", "features", "buckets", "reps"):
            if getattr(self, name) < 1:
                raise BenchError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.threads is not None and self.threads < 1:
            raise BenchError(f"threads must be at least 1, got {self.threads}")
        if self.classes < 2:
            raise BenchError(f"classes must be at least 2, got {self.classes}")
        if self.warmup < 0:
            raise BenchError(f"warmup must be 0 or more, got {self.warmup}")
        if not self.pad_ratios:
            raise BenchError("at least one pad ratio is needed")
        for p in self.pad_ratios:
            if not 0.0 <= p < 1.0:
                raise BenchError(f"pad ratios must lie in [0, 1), got {p}")


@dataclass(frozen=True)
class Timing:
    """Step times of one strategy at one pad ratio, in milliseconds."""

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
    """One pad ratio: the target, the ratio the generated lengths actually reach, the timings."""

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
        return recommend(self.rows, self.device_name)

    def to_dict(self) -> dict[str, object]:
        config = asdict(self.config)
        config.pop("device")
        config["pad_ratios"] = list(self.config.pad_ratios)
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


def resolve_device(name: str) -> torch.device:
    """'auto' -> cuda, else mps, else cpu; a named device that is absent raises BenchError."""
    mps = getattr(torch.backends, "mps", None)
    mps_ok = mps is not None and mps.is_available()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if mps_ok else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        build = "without CUDA" if torch.version.cuda is None else f"with CUDA {torch.version.cuda}"
        raise BenchError(f"--device cuda: no CUDA device available (torch {torch.__version__} "
                         f"was built {build}); use --device cpu or auto")
    if name == "mps" and not mps_ok:
        raise BenchError("--device mps: Apple MPS is not available here; use --device cpu or auto")
    if name not in DEVICES:
        raise BenchError(f"unknown device {name!r}; choose one of {', '.join(DEVICES)}")
    return torch.device(name)


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
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


# --- batches ---------------------------------------------------------------------------------


def pad_ratio(lengths: Sequence[int], max_len: int) -> float:
    """Fraction of a (B, max_len) padded tensor that is padding."""
    return 1.0 - float(np.sum(lengths)) / (len(lengths) * max_len)


def lengths_for_pad_ratio(target: float, batch_size: int, max_len: int,
                          rng: np.random.Generator) -> np.ndarray:
    """Lengths in [1, max_len] whose padded batch is about `target` padding.

    One sequence has the full length, so the padded width stays `max_len`; the others spread
    uniformly over +-50% of the mean they need, then are nudged one step at a time until the
    total is as close to the target as the bounds allow. The result is shuffled, as a loader
    would deliver it. Targets beyond reach (tiny batches) end at the nearest reachable ratio.
    """
    total = round((1.0 - target) * batch_size * max_len)
    total = min(max(total, max_len + batch_size - 1), batch_size * max_len)
    lengths = np.full(batch_size, max_len, dtype=np.int64)
    if batch_size > 1:
        mean = (total - max_len) / (batch_size - 1)
        spread = mean * (0.5 + rng.random(batch_size - 1))
        lengths[1:] = np.clip(np.rint(spread), 1, max_len)
        diff = total - int(lengths.sum())
        while diff != 0:
            step = 1 if diff > 0 else -1
            room = np.flatnonzero(lengths[1:] < max_len if step > 0 else lengths[1:] > 1) + 1
            chosen = rng.permutation(room)[: abs(diff)]
            lengths[chosen] += step
            diff -= step * len(chosen)
    return rng.permutation(lengths)


def bucket_indices(lengths: Sequence[int], buckets: int) -> list[np.ndarray]:
    """Batch indices sorted by length (stable) and split into at most `buckets` equal parts."""
    order = np.argsort(np.asarray(lengths), kind="stable")
    parts = np.array_split(order, min(buckets, len(order)))
    return [part for part in parts if len(part)]


@dataclass
class BenchBatch:
    """One batch, ready for all three strategies (buckets prepared, as a sampler would)."""

    x: torch.Tensor  # (B, T, F), zero beyond each length
    targets: torch.Tensor  # (B, T) class ids
    mask: torch.Tensor  # (B, T) bool, True on real tokens
    lengths: torch.Tensor  # (B,) int64 on the CPU, as pack_padded_sequence needs
    buckets: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]  # (x, targets, mask) each


def make_batch(lengths: np.ndarray, config: BenchConfig, rng: np.random.Generator,
                device: torch.device) -> BenchBatch:
    """Random features and targets for `lengths`, right-padded with zeros to `max_len`."""
    b, t = len(lengths), config.max_len
    mask_np = np.arange(t)[None, :] < lengths[:, None]
    x_np = rng.standard_normal((b, t, config.features), dtype=np.float32) * mask_np[:, :, None]
    y_np = rng.integers(0, config.classes, (b, t))
    x, y, mask = (torch.from_numpy(a).to(device) for a in (x_np, y_np, mask_np))
    buckets = []
    for idx in bucket_indices(lengths, config.buckets):
        width = int(lengths[idx].max())
        sel = torch.from_numpy(idx).to(device)
        buckets.append((x[sel, :width].contiguous(), y[sel, :width].contiguous(),
                        mask[sel, :width].contiguous()))
    return BenchBatch(x, y, mask, torch.from_numpy(lengths.astype(np.int64)), buckets)


# --- steps -----------------------------------------------------------------------------------


class Tagger(nn.Module):
    """A one-layer LSTM with a per-token linear head: the model every strategy trains."""

    def __init__(self, config: BenchConfig) -> None:
        super().__init__()
        self.lstm = nn.LSTM(config.features, config.hidden, batch_first=True)
        self.head = nn.Linear(config.hidden, config.classes)


def step_functions(model: Tagger, batch: BenchBatch) -> dict[str, Callable[[], None]]:
    """One training step per strategy; all three minimise the same token-mean loss.

    After a call, the parameters' `.grad` hold that step's gradient (for tests to compare).
    """
    params = list(model.parameters())
    n_tokens = batch.mask.sum()

    # A plain SGD update, written out: constructing the first torch.optim optimizer in a process
    # imports torch._dynamo (~4 s here), a cost no step should pay.
    def zero_grad() -> None:
        for p in params:
            p.grad = None

    @torch.no_grad()
    def sgd_step() -> None:
        for p in params:
            p.add_(p.grad, alpha=-1e-3)

    def masked_sum(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        logits = model.head(model.lstm(x)[0])
        ce = cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="none")
        return (ce * mask.flatten()).sum()

    def padded() -> None:
        zero_grad()
        (masked_sum(batch.x, batch.targets, batch.mask) / n_tokens).backward()
        sgd_step()

    def packed() -> None:
        zero_grad()
        x = pack_padded_sequence(batch.x, batch.lengths, batch_first=True, enforce_sorted=False)
        y = pack_padded_sequence(batch.targets, batch.lengths, batch_first=True,
                                 enforce_sorted=False)
        out, _ = model.lstm(x)
        cross_entropy(model.head(out.data), y.data).backward()
        sgd_step()

    def bucketed() -> None:
        zero_grad()
        for x, y, mask in batch.buckets:
            (masked_sum(x, y, mask) / n_tokens).backward()
        sgd_step()

    return {"padded": padded, "packed": packed, "bucketed": bucketed}


# --- measuring -------------------------------------------------------------------------------


def measure(config: BenchConfig, progress: ProgressFn | None = None,
            should_stop: StopFn | None = None) -> BenchResult:
    """Time the three strategies at every pad ratio of `config`.

    `progress(row, fraction)` is called after every round of steps with `row=None`, and with the
    finished BenchRow when a pad ratio is done; `fraction` runs from 0 to 1. `should_stop()` is
    polled before every round: when it returns True, the result holds the rows finished so far
    and `interrupted=True`. `config.threads`, when set, applies for this call only.
    """
    config.validate()
    device = resolve_device(config.device)
    threads = torch.get_num_threads()
    if config.threads is not None:
        torch.set_num_threads(config.threads)
    try:
        return _measure(config, device, progress, should_stop)
    finally:
        torch.set_num_threads(threads)


def _measure(config: BenchConfig, device: torch.device, progress: ProgressFn | None,
             should_stop: StopFn | None) -> BenchResult:
    torch.manual_seed(config.seed)
    model = Tagger(config).to(device)
    result = BenchResult(config, device.type, device_name(device), torch.get_num_threads())
    rounds = config.warmup + config.reps
    total = len(config.pad_ratios) * rounds
    done = 0
    for target in config.pad_ratios:
        rng = np.random.default_rng([config.seed, round(target * 10_000)])
        lengths = lengths_for_pad_ratio(target, config.batch_size, config.max_len, rng)
        steps = step_functions(model, make_batch(lengths, config, rng, device))
        samples: dict[str, list[float]] = {name: [] for name in STRATEGIES}
        for r in range(rounds):
            if should_stop is not None and should_stop():
                return replace(result, interrupted=True)
            shift = r % len(STRATEGIES)
            for name in STRATEGIES[shift:] + STRATEGIES[:shift]:
                synchronize(device)
                start = time.perf_counter()
                steps[name]()
                synchronize(device)
                if r >= config.warmup:
                    samples[name].append(time.perf_counter() - start)
            done += 1
            if progress is not None:
                progress(None, done / total)
        row = BenchRow(target, pad_ratio(lengths, config.max_len),
                       {name: Timing.from_seconds(samples[name]) for name in STRATEGIES})
        result.rows.append(row)
        if progress is not None:
            progress(row, done / total)
    return result


# --- what the numbers say ----------------------------------------------------------------------


def _pct(ratio: float) -> str:
    return f"{100 * ratio:.0f}%"


def _ranges(ratios: Sequence[float], selected: Sequence[bool]) -> str:
    """'20-60%, 90%': the selected pad ratios, consecutive measured ones joined into ranges."""
    runs: list[list[float]] = []
    previous = False
    for r, chosen in zip(ratios, selected):
        if chosen:
            if previous:
                runs[-1].append(r)
            else:
                runs.append([r])
        previous = chosen
    return ", ".join(_pct(run[0]) if len(run) == 1 else f"{100 * run[0]:.0f}-{_pct(run[-1])}"
                     for run in runs)


def _beats_padding(row: BenchRow, strategy: str) -> bool:
    """At least MARGIN faster than padded. Without padding there is nothing to save, so an
    apparent win there is noise (packing then does the same work, buckets only smaller batches).
    """
    return row.pad_ratio > 0 and row.timings[strategy].median_ms <= (1 - MARGIN) * row.padded_ms


def _packing_clause(rows: Sequence[BenchRow]) -> str:
    rows = [row for row in rows if row.pad_ratio > 0]  # without padding packing saves nothing
    if not rows:
        return "packing was not measured on a padded batch"
    wins = [_beats_padding(row, "packed") for row in rows]
    ratios = [row.pad_ratio for row in rows]
    if all(wins):
        return "packing pays off at every pad ratio measured above 0%"
    if not any(wins):
        best = min(rows, key=lambda row: row.packed_over_padded)
        return (f"packing never pays off (at best {best.packed_over_padded:.2f}x the padded "
                f"time, at {_pct(best.pad_ratio)} padding)")
    first = wins.index(True)
    if all(wins[first:]):
        lo, hi = rows[first - 1], rows[first]
        # Where packed/padded crosses 1 - MARGIN, interpolated between the neighbouring rows.
        a, b = lo.packed_over_padded, hi.packed_over_padded
        cross = lo.pad_ratio + (hi.pad_ratio - lo.pad_ratio) * (a - (1 - MARGIN)) / (a - b)
        return f"packing pays off above ~{_pct(cross)} padding"
    return f"packing pays off only at {_ranges(ratios, wins)} padding (no clear threshold)"


def _fastest_clause(rows: Sequence[BenchRow]) -> str:
    ratios = [row.pad_ratio for row in rows]
    fastest = []
    for row in rows:
        # Padding wins ties within MARGIN: it is the simplest code.
        faster = [s for s in STRATEGIES if s != "padded" and _beats_padding(row, s)]
        fastest.append(min(faster, key=lambda s: row.timings[s].median_ms, default="padded"))
    if len(set(fastest)) == 1:
        return f"{fastest[0]} is fastest at every pad ratio measured"
    groups = [f"{name} at {_ranges(ratios, [f == name for f in fastest])}"
              for name in STRATEGIES if name in fastest]
    return "fastest: " + "; ".join(groups)


def recommend(rows: Sequence[BenchRow], device: str = "this device") -> str:
    """One line saying when packing pays off and which strategy is fastest where.

    "Pays off" and "fastest" mean at least MARGIN (5%) faster than padding, at a pad ratio
    above 0; closer results count for padding, the simpler code. Noisy rows are named, so a
    disturbed run is not mistaken for a verdict.
    """
    if not rows:
        return "no pad ratio was measured, so there is nothing to recommend"
    rows = sorted(rows, key=lambda row: row.pad_ratio)
    line = f"on {device}: {_packing_clause(rows)}; {_fastest_clause(rows)}"
    noisy = [row.noisy for row in rows]
    if any(noisy):
        line += (f"; timings were noisy at {_ranges([r.pad_ratio for r in rows], noisy)} padding "
                 f"(IQR over {_pct(NOISY)} of the median): rerun on an idle machine or with fewer "
                 "threads")
    return line
