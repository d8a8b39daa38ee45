"""Bench rows as plot series: time against pad ratio per strategy, and the ideal line.

numpy only (no torch), so the GUI can call it. The ideal is what the time would be if a step
cost only its real tokens: the padded time at the least-padded ratio measured, scaled by the
share of real tokens, i.e. padded_ms(p0) * (1 - p) / (1 - p0); with p0 = 0 that is
padded_ms(0) * (1 - p).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

STRATEGIES = ("padded", "packed", "bucketed")


def bench_series(rows: Sequence[Mapping[str, float]]) -> dict[str, np.ndarray]:
    """{"pad_ratio", "padded", "packed", "bucketed", "ideal"}: arrays in ms, sorted by ratio."""
    ordered = sorted(rows, key=lambda row: row["pad_ratio"])
    ratio = np.array([row["pad_ratio"] for row in ordered], dtype=np.float64)
    series = {"pad_ratio": ratio}
    for name in STRATEGIES:
        series[name] = np.array([row[f"{name}_ms"] for row in ordered], dtype=np.float64)
    if len(ordered):
        series["ideal"] = series["padded"][0] * (1.0 - ratio) / (1.0 - ratio[0])
    else:
        series["ideal"] = np.zeros(0)
    return series
