"""Bench rows as plot series, with the ideal line."""

from __future__ import annotations

import numpy as np

from padviz.core.bench_series import bench_series


def _row(p: float, padded: float) -> dict[str, float]:
    return {"pad_ratio": p, "padded_ms": padded, "packed_ms": 2 * padded, "bucketed_ms": padded / 2}


def test_series_are_sorted_and_the_ideal_scales_the_least_padded_time() -> None:
    series = bench_series([_row(0.5, 8.0), _row(0.0, 10.0), _row(0.9, 7.0)])
    np.testing.assert_array_equal(series["pad_ratio"], [0.0, 0.5, 0.9])
    np.testing.assert_array_equal(series["packed"], [20.0, 16.0, 14.0])
    np.testing.assert_allclose(series["ideal"], [10.0, 5.0, 1.0])
    shifted = bench_series([_row(0.2, 8.0), _row(0.6, 6.0)])
    np.testing.assert_allclose(shifted["ideal"], [8.0, 4.0])
    assert len(bench_series([])["ideal"]) == 0
