"""Which batch cells a silent mistake affected, read from what its wrong snippet really did.

Each finder takes the namespace the wrong snippet left (its tensors: `padded`, `packed`, `got`,
`expected`, `targets`, `mask`, ...) and returns the cells as (sequence as given, t) pairs of a
batch-major padded tensor, padded on `padding_side` as the snippet padded it, with a line
saying what is lit. Nothing here knows a batch in advance: a cell is lit because the snippet's
own tensors say torch read it, skipped it, counted it or got its sequence wrong.
No torch import: the finders only call methods of the tensors they are handed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Cell = tuple[int, int]
Namespace = dict[str, Any]
DIFFERS = 1e-5  # as padviz.core.mistakes.TOLERANCE: a result further off than this is wrong


@dataclass(frozen=True)
class AffectedCells:
    """The cells lit for a silent mistake and what they are, in words."""

    cells: tuple[Cell, ...]
    text: str
    padding_side: Literal["left", "right"] = "right"


CellFinder = Callable[[Namespace], AffectedCells]


def as_pairs(time_major: np.ndarray) -> tuple[Cell, ...]:
    """(sequence, t) of the True cells of a (T, B) array, sequence by sequence."""
    return tuple((int(b), int(t)) for b, t in np.argwhere(np.asarray(time_major, bool).T))


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _sequences(rows: list[int]) -> str:
    return ("sequence " if len(rows) == 1 else "sequences ") + ", ".join(map(str, rows))


def real_cells(padded: Any) -> np.ndarray:
    """(T, B) True where a time-first padded tensor holds a token: the snippets' features are
    random normals, so only a pad is exactly zero in every feature."""
    return (padded.detach().abs().sum(dim=-1) != 0).cpu().numpy()


def packed_cells(packed: Any, shape: tuple[int, int]) -> np.ndarray:
    """(T, B) True where the PackedSequence took its data from: at step t, the first
    batch_sizes[t] sequences in its sorted order (batch order when it has none)."""
    T, B = shape
    order = packed.sorted_indices
    order = np.arange(B) if order is None else order.cpu().numpy()
    read = np.zeros((T, B), bool)
    for t, k in enumerate(packed.batch_sizes.tolist()):
        read[t, order[:k]] = True
    return read


def _rows_differing(got: Any, expected: Any) -> list[int]:
    diff = (got.detach().cpu().double() - expected.detach().cpu().double()).abs()
    return [i for i, d in enumerate(diff.amax(dim=1).tolist()) if d > DIFFERS]


def _tokens_of(rows: list[int], lengths: list[int]) -> tuple[Cell, ...]:
    return tuple((b, t) for b in rows for t in range(lengths[b]))


# -- the packing and hidden-state mistakes -------------------------------------------------------
def results_differ(ns: Namespace) -> AffectedCells:
    """Every token of each sequence whose row of `got` is not its own result run alone."""
    rows = _rows_differing(ns["got"], ns["expected"])
    text = (
        f"the tokens of {_sequences(rows)}, whose result differs from the sequence run alone"
        if rows
        else "nothing: every sequence's result is its own"
    )
    return AffectedCells(_tokens_of(rows, list(ns["lengths"])), text)


def never_read(ns: Namespace) -> AffectedCells:
    """The real tokens the PackedSequence left out."""
    real = real_cells(ns["padded"])
    skipped = real & ~packed_cells(ns["packed"], real.shape)
    return AffectedCells(
        as_pairs(skipped), f"the {_count(int(skipped.sum()), 'real token')} torch never read"
    )


def packed_wrong_cells(ns: Namespace) -> AffectedCells:
    """Pads the PackedSequence took in and real tokens it left out, in the left-padded tensor."""
    real = real_cells(ns["padded"])
    read = packed_cells(ns["packed"], real.shape)
    pads, dropped = int((read & ~real).sum()), int((real & ~read).sum())
    text = f"{_count(pads, 'pad')} packed and {_count(dropped, 'real token')} dropped"
    return AffectedCells(as_pairs(read ^ real), text, "left")


def batch_read_as_time(ns: Namespace) -> AffectedCells:
    """A (B, T, F) tensor in a time-first LSTM: it ran padded.shape[1] sequences of B steps,
    so every cell was read as another one; with one result per sequence, those that differ."""
    padded, lengths = ns["padded"], list(ns["lengths"])
    B, T = len(lengths), padded.shape[1]
    if ns["got"].shape[0] != B:
        cells = tuple((b, t) for b in range(B) for t in range(T))
        text = f"all {B} x {T} cells: the LSTM took {T} sequences of {B} steps, pads included"
        return AffectedCells(cells, text)
    return results_differ(ns)


# -- the loss and mask mistakes ------------------------------------------------------------------
def _time_major(flat: Any, ns: Namespace) -> np.ndarray:
    return np.asarray(flat.detach().cpu().numpy(), bool).reshape(ns["T"], ns["B"])


def pads_counted(ns: Namespace) -> AffectedCells:
    """The pad cells cross_entropy averaged over: every target not its ignore_index (-100, the
    default the snippet kept) counts."""
    counted = _time_major(ns["targets"].flatten() != -100, ns)
    pads = counted & ~ns["mask"].cpu().numpy()
    text = f"the {_count(int(pads.sum()), 'pad cell')} the mean counted"
    return AffectedCells(as_pairs(pads), text)


def class0_dropped(ns: Namespace) -> AffectedCells:
    """The real tokens whose target is the ignore_index=0 the snippet passed."""
    dropped = _time_major(ns["targets"].flatten() == 0, ns) & ns["mask"].cpu().numpy()
    n = int(dropped.sum())
    return AffectedCells(as_pairs(dropped), f"the {_count(n, 'real token')} of class 0 dropped")


def mask_misplaced(ns: Namespace) -> AffectedCells:
    """The flattened (B, T) mask laid over the time-major losses: the pads it selects and the
    real tokens it misses."""
    selected = _time_major(ns["mask_bt"].flatten(), ns)
    mask = ns["mask"].cpu().numpy()
    extra, missed = int((selected & ~mask).sum()), int((mask & ~selected).sum())
    text = (
        f"the {_count(extra, 'pad')} the mask selects and the "
        f"{_count(missed, 'real token')} it misses"
    )
    return AffectedCells(as_pairs(selected ^ mask), text)


def weighted_unequally(ns: Namespace) -> AffectedCells:
    """The real tokens of each micro-batch whose share of the accumulated loss is not its
    share of the batch's tokens (each token counts 1/(M * its micro-batch's tokens), not 1/N)."""
    batches = ns["micro_batches"]
    reals = [(y != -100).cpu().numpy() for _, y in batches]
    total = sum(int(real.sum()) for real in reals)
    parts, rows, start = [], [], 0
    for real in reals:
        off = len(reals) * int(real.sum()) != total
        parts.append(real if off else np.zeros_like(real))
        rows += list(range(start, start + real.shape[1])) if off else []
        start += real.shape[1]
    lit = np.concatenate(parts, axis=1)
    text = (
        f"the {_count(int(lit.sum()), 'real token')} of {_sequences(rows)}, each weighted "
        f"1/({len(reals)} x its micro-batch's tokens) instead of 1/{total}"
    )
    return AffectedCells(as_pairs(lit), text)
