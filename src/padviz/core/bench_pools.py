"""The bench's pools: sequence lengths for a pad ratio or drawn from a corpus, and the pool cut
into random batches and length buckets as a sampler and collate function would (see
padviz.core.bench for how they are timed)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from padviz.core.bench import BenchConfig


def pad_ratio(lengths: Sequence[int] | np.ndarray, max_len: int) -> float:
    """Fraction of a (N, max_len) padded tensor that is padding."""
    return 1.0 - float(np.sum(lengths)) / (len(lengths) * max_len)


def lengths_for_pad_ratio(
    target: float, count: int, max_len: int, rng: np.random.Generator
) -> np.ndarray:
    """`count` lengths in [1, max_len], in random order, that leave about `target` of a
    (count, max_len) tensor as padding.

    The lengths spread uniformly over +-50% of the mean they need (clipped to the bounds), then
    are nudged one step at a time until their total is exact. A target beyond reach (every
    length 1 still fills more) ends at length 1 everywhere.
    """
    total = round((1.0 - target) * count * max_len)
    total = min(max(total, count), count * max_len)
    spread = total / count * (0.5 + rng.random(count))
    lengths = np.clip(np.rint(spread), 1, max_len).astype(np.int64)
    diff = total - int(lengths.sum())
    while diff != 0:
        step = 1 if diff > 0 else -1
        room = np.flatnonzero(lengths < max_len if step > 0 else lengths > 1)
        chosen = rng.permutation(room)[: abs(diff)]
        lengths[chosen] += step
        diff -= step * len(chosen)
    return lengths


def corpus_pool(
    lengths: np.ndarray, count: int, max_len: int, rng: np.random.Generator
) -> tuple[float, np.ndarray]:
    """The corpus's pad ratio when every sequence is padded to max_len, and `count` of its
    lengths drawn at random (with replacement only when it has fewer), clipped to max_len."""
    clipped = np.minimum(lengths, max_len)
    drawn = rng.choice(clipped, size=count, replace=count > len(clipped))
    return pad_ratio(clipped, max_len), drawn.astype(np.int64)


def cut(indices: np.ndarray, parts: int) -> list[np.ndarray]:
    """`indices` in order, cut into min(parts, len(indices)) runs whose sizes differ by <= 1."""
    return np.array_split(indices, min(parts, len(indices)))


def bucket_indices(lengths: Sequence[int] | np.ndarray, buckets: int) -> list[np.ndarray]:
    """Pool indices sorted by length (stable) and cut into at most `buckets` equal parts."""
    return cut(np.argsort(np.asarray(lengths), kind="stable"), buckets)


@dataclass
class Batch:
    """One batch as a training step takes it."""

    x: torch.Tensor  # (B, W, F), zero beyond each length
    targets: torch.Tensor  # (B, W) class ids
    mask: torch.Tensor  # (B, W) bool, True on real tokens
    lengths: torch.Tensor  # (B,) int64 on the CPU, as pack_padded_sequence needs


@dataclass
class Pool:
    """One pool of sequences, cut into batches both ways (as a sampler would, before timing)."""

    lengths: np.ndarray  # (N,) in the order drawn, which is random
    random_batches: list[Batch]  # consecutive runs of the drawn order, each padded to max_len
    buckets: list[Batch]  # the pool sorted by length, each batch padded to its own longest


def make_pool(
    lengths: np.ndarray, config: BenchConfig, rng: np.random.Generator, device: torch.device
) -> Pool:
    """Random features and targets for `lengths`, cut into random batches and length buckets."""
    n, t = len(lengths), config.max_len
    mask = np.arange(t)[None, :] < lengths[:, None]
    x = rng.standard_normal((n, t, config.features), dtype=np.float32) * mask[:, :, None]
    y = rng.integers(0, config.classes, (n, t))

    def batch(idx: np.ndarray, width: int) -> Batch:
        x_b, y_b, mask_b = (
            torch.from_numpy(np.ascontiguousarray(a[idx, :width])).to(device) for a in (x, y, mask)
        )
        return Batch(x_b, y_b, mask_b, torch.from_numpy(lengths[idx].astype(np.int64)))

    random_batches = [batch(idx, t) for idx in cut(np.arange(n), config.buckets)]
    buckets = [
        batch(idx, int(lengths[idx].max())) for idx in bucket_indices(lengths, config.buckets)
    ]
    return Pool(lengths, random_batches, buckets)
