"""Training curves as growable numpy columns, their EMA smoothing, and view decimation.

numpy only (no torch): the GUI process keeps its curves here without importing torch.

- `Curves`: one run's step records as float64 columns, appended in O(1) amortised (the buffer
  doubles when full); a column is a contiguous read-only view, cheap to hand to a plot.
- `ema` / `EmaTrace`: the debiased exponential moving average (TensorBoard's smoothing), whole
  or incrementally over only the points added since the last update.
- `minmax_decimate`: at most ~2 points per pixel column for a curve over a visible x range,
  keeping every spike (the min and max of each bin), as pyqtgraph's "peak" downsampling does.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from padviz.core.errors import PadvizError

# The per-step numbers a run records, in the order the training worker sends them.
CURVE_FIELDS = (
    "step",
    "masked_loss",
    "unmasked_loss",
    "article_loss",
    "ignore_index_loss",
    "accuracy",
    "tokens",
    "tokens_per_s",
    "step_ms",
    "lr",
    "memory_mb",
    "pad_share",
)
# Columns a file from before they existed lacks: read as unknown (NaN) values.
LATER_FIELDS = frozenset(("pad_share",))


class CurvesError(PadvizError):
    """Curve data that does not fit the columns (wrong fields, ragged lengths, bad values)."""


class Curves:
    """One run's records: a float64 column per field; missing values (None) are NaN."""

    def __init__(self, fields: Sequence[str] = CURVE_FIELDS, capacity: int = 256) -> None:
        self.fields = tuple(fields)
        self._index = {name: i for i, name in enumerate(self.fields)}
        self._data = np.empty((len(self.fields), max(1, capacity)), dtype=np.float64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def append(self, row: Sequence[float | None]) -> None:
        """Add one record, values in `fields` order."""
        if len(row) != len(self.fields):
            raise CurvesError(f"a record needs {len(self.fields)} values, got {len(row)}")
        if self._size == self._data.shape[1]:
            grown = np.empty((len(self.fields), 2 * self._size), dtype=np.float64)
            grown[:, : self._size] = self._data
            self._data = grown
        self._data[:, self._size] = [math.nan if v is None else v for v in row]
        self._size += 1

    def extend(self, rows: Iterable[Sequence[float | None]]) -> None:
        for row in rows:
            self.append(row)

    def column(self, name: str) -> np.ndarray:
        """The filled part of one column: a contiguous, read-only view (no copy)."""
        try:
            view = self._data[self._index[name], : self._size]
        except KeyError:
            raise CurvesError(f"unknown curve field {name!r}") from None
        view.flags.writeable = False
        return view

    def last(self, name: str) -> float:
        """The latest value of a column (NaN when empty)."""
        return float(self._data[self._index[name], self._size - 1]) if self._size else math.nan

    def __eq__(self, other: object) -> bool:
        """Same fields and values (NaN equals NaN): what a saved and reopened session keeps."""
        if not isinstance(other, Curves):
            return NotImplemented
        return self.fields == other.fields and np.array_equal(
            self._data[:, : self._size], other._data[:, : other._size], equal_nan=True
        )

    __hash__ = None  # type: ignore[assignment]  # mutable: not hashable

    def clear(self) -> None:
        self._size = 0

    def to_dict(self) -> dict[str, list[float | None]]:
        """JSON-able columns: NaN becomes None, integral columns stay exact floats."""
        return {
            name: [None if math.isnan(v) else v for v in self.column(name).tolist()]
            for name in self.fields
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[float | None]]) -> Curves:
        """The inverse of to_dict; every field of CURVE_FIELDS must be there, equally long
        (a LATER_FIELDS column may be missing: its values are unknown)."""
        if not isinstance(data, Mapping):
            raise CurvesError(f"curves must be an object of columns, got {type(data).__name__}")
        missing = [name for name in CURVE_FIELDS if name not in data and name not in LATER_FIELDS]
        unknown = sorted(set(data) - set(CURVE_FIELDS))
        if missing or unknown:
            raise CurvesError(
                f"curve columns must be exactly {', '.join(CURVE_FIELDS)}"
                + (f"; missing {', '.join(missing)}" if missing else "")
                + (f"; unknown {', '.join(unknown)}" if unknown else "")
            )
        given = [data[name] for name in CURVE_FIELDS if name in data]
        sizes = {len(c) if isinstance(c, Sequence) else -1 for c in given}
        if len(sizes) != 1 or -1 in sizes:
            raise CurvesError("curve columns must be lists of the same length")
        size = sizes.pop()
        columns = [data.get(name, [None] * size) for name in CURVE_FIELDS]
        curves = cls(capacity=max(size, 1))
        for row in zip(*columns, strict=False):
            for value in row:
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, (int, float))
                ):
                    raise CurvesError(f"curve values must be numbers or null, got {value!r}")
            curves.append(row)
        return curves


def ema(values: np.ndarray, smoothing: float) -> np.ndarray:
    """Debiased EMA: s_t = w s_(t-1) + (1 - w) x_t, divided by (1 - w^t); w = 0 is the raw curve."""
    trace = EmaTrace(smoothing)
    trace.update(values)
    return trace.values.copy()


class EmaTrace:
    """An EMA kept up to date as its source column grows: `update` smooths only the new points."""

    def __init__(self, smoothing: float) -> None:
        if not 0.0 <= smoothing < 1.0:
            raise CurvesError(f"smoothing must be in [0, 1), got {smoothing}")
        self.smoothing = smoothing
        self._out = np.empty(256, dtype=np.float64)
        self._size = 0
        self._acc = 0.0

    @property
    def values(self) -> np.ndarray:
        return self._out[: self._size]

    def update(self, source: np.ndarray) -> np.ndarray:
        """Smooth `source[len(self):]` and return the whole smoothed curve (a view)."""
        n = len(source)
        if n < self._size:  # the source was cleared: start over
            self._size, self._acc = 0, 0.0
        if n > len(self._out):
            grown = np.empty(max(n, 2 * len(self._out)), dtype=np.float64)
            grown[: self._size] = self._out[: self._size]
            self._out = grown
        w, acc = self.smoothing, self._acc
        out = self._out
        for t in range(self._size, n):
            acc = w * acc + (1.0 - w) * float(source[t])
            out[t] = acc / (1.0 - w ** (t + 1)) if w > 0.0 else acc
        self._acc, self._size = acc, n
        return self.values


def minmax_decimate(
    x: np.ndarray, y: np.ndarray, x_min: float, x_max: float, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """The part of (x, y) over [x_min, x_max] (x sorted ascending), at most ~2 points per bin.

    One point either side of the range is kept so the line reaches the edges. Each bin keeps its
    min and max (in that order), so spikes survive, as in pyqtgraph's "peak" downsampling.
    """
    lo = max(int(np.searchsorted(x, x_min, side="left")) - 1, 0)
    hi = min(int(np.searchsorted(x, x_max, side="right")) + 1, len(x))
    xs, ys = x[lo:hi], y[lo:hi]
    bins = max(int(bins), 1)
    per_bin = len(xs) // bins
    if per_bin < 2:
        return xs, ys
    full = per_bin * bins
    grid = ys[:full].reshape(bins, per_bin)
    dec_y = np.empty(2 * bins + (len(xs) - full), dtype=np.float64)
    dec_y[0 : 2 * bins : 2] = grid.min(axis=1)
    dec_y[1 : 2 * bins : 2] = grid.max(axis=1)
    dec_y[2 * bins :] = ys[full:]
    dec_x = np.empty_like(dec_y)
    starts = xs[:full:per_bin]
    dec_x[0 : 2 * bins : 2] = starts
    dec_x[1 : 2 * bins : 2] = starts
    dec_x[2 * bins :] = xs[full:]
    return dec_x, dec_y


def curves_csv(runs: Mapping[str, Curves]) -> str:
    """Every run's every column as CSV: one row per (run, step), the run named in column one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("run", *CURVE_FIELDS))
    for name, curves in runs.items():
        columns = [curves.column(field).tolist() for field in CURVE_FIELDS]
        for row in zip(*columns, strict=False):
            writer.writerow((name, *("" if math.isnan(v) else _number(v) for v in row)))
    return out.getvalue()


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
