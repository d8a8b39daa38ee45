"""Curve buffers, EMA smoothing and view decimation (numpy only)."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import pytest

from padviz.core.curves import (
    CURVE_FIELDS,
    Curves,
    CurvesError,
    EmaTrace,
    curves_csv,
    ema,
    minmax_decimate,
)


def _row(step: int, memory: float | None = 12.5) -> list[float | None]:
    return [step, 1.0 / step, 2.0 / step, 0.5, 0.4, 0.1 * step, 30, 1000.0, 2.5, 0.01, memory, 0.25]


def test_curves_grow_past_capacity_and_keep_every_value() -> None:
    curves = Curves(capacity=2)
    for step in range(1, 1001):
        curves.append(_row(step))
    assert len(curves) == 1000
    np.testing.assert_array_equal(curves.column("step"), np.arange(1, 1001))
    np.testing.assert_array_equal(curves.column("masked_loss"), 1.0 / np.arange(1, 1001))
    assert curves.last("step") == 1000.0
    assert curves.column("step").flags.c_contiguous
    with pytest.raises(ValueError):
        curves.column("step")[0] = 5.0


def test_missing_values_are_nan_and_round_trip_as_none() -> None:
    curves = Curves()
    curves.extend([_row(1, None), _row(2)])
    assert math.isnan(curves.column("memory_mb")[0])
    data = curves.to_dict()
    assert data["memory_mb"] == [None, 12.5]
    again = Curves.from_dict(data)
    for name in CURVE_FIELDS:
        np.testing.assert_array_equal(again.column(name), curves.column(name))


def test_bad_records_and_columns_are_refused() -> None:
    curves = Curves()
    with pytest.raises(CurvesError, match=f"{len(CURVE_FIELDS)} values"):
        curves.append([1.0, 2.0])
    with pytest.raises(CurvesError, match="unknown curve field"):
        curves.column("loss")
    good = Curves()
    good.append(_row(1))
    data = good.to_dict()
    with pytest.raises(CurvesError, match="missing step"):
        Curves.from_dict({k: v for k, v in data.items() if k != "step"})
    with pytest.raises(CurvesError, match="same length"):
        Curves.from_dict({**data, "lr": [0.1, 0.2]})
    with pytest.raises(CurvesError, match="numbers or null"):
        Curves.from_dict({**data, "lr": ["fast"]})


def test_clear_empties_the_curves() -> None:
    curves = Curves()
    curves.append(_row(1))
    curves.clear()
    assert len(curves) == 0 and math.isnan(curves.last("step"))


def _reference_ema(values: list[float], w: float) -> list[float]:
    out, acc = [], 0.0
    for t, x in enumerate(values, start=1):
        acc = w * acc + (1 - w) * x
        out.append(acc / (1 - w**t))
    return out


def test_ema_is_debiased_and_zero_smoothing_is_raw() -> None:
    values = np.array([4.0, 2.0, 3.0, 1.0, 0.5])
    np.testing.assert_allclose(ema(values, 0.6), _reference_ema(values.tolist(), 0.6))
    assert ema(values, 0.9)[0] == 4.0  # no pull towards zero at the start
    np.testing.assert_array_equal(ema(values, 0.0), values)


def test_ema_trace_updates_incrementally_and_restarts_after_clear() -> None:
    rng = np.random.default_rng(0)
    values = rng.random(700)
    trace = EmaTrace(0.8)
    trace.update(values[:10])
    trace.update(values[:300])
    np.testing.assert_allclose(trace.update(values), ema(values, 0.8))
    np.testing.assert_allclose(trace.update(values[:5]), ema(values[:5], 0.8))
    with pytest.raises(CurvesError):
        EmaTrace(1.0)


def test_minmax_decimate_keeps_spikes_and_the_visible_range() -> None:
    x = np.arange(10_000, dtype=np.float64)
    y = np.zeros_like(x)
    y[5_000] = 9.0
    y[7_000] = -4.0
    dx, dy = minmax_decimate(x, y, 0, 9_999, bins=100)
    assert len(dx) <= 2 * 100 + 1
    assert dy.max() == 9.0 and dy.min() == -4.0
    assert dx[0] == 0 and np.all(np.diff(dx) >= 0)
    vx, vy = minmax_decimate(x, y, 100, 200, bins=500)  # few points: returned as they are
    assert vx[0] == 99 and vx[-1] == 201
    np.testing.assert_array_equal(vy, y[99:202])


def test_curves_csv_has_every_run_and_field() -> None:
    a, b = Curves(), Curves()
    a.extend([_row(1), _row(2, None)])
    b.append(_row(1))
    rows = list(csv.reader(io.StringIO(curves_csv({"packed": a, "padded-masked": b}))))
    assert rows[0] == ["run", *CURVE_FIELDS]
    assert [r[0] for r in rows[1:]] == ["packed", "packed", "padded-masked"]
    memory = 1 + CURVE_FIELDS.index("memory_mb")
    assert rows[1][1] == "1" and float(rows[2][2]) == 0.5 and rows[2][memory] == ""


def test_equality_compares_values_with_nan_equal() -> None:
    a, b = Curves(), Curves(capacity=1)
    a.extend([_row(1, None), _row(2)])
    b.extend([_row(1, None), _row(2)])
    assert a == b
    b.append(_row(3))
    assert a != b
