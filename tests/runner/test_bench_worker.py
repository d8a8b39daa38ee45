"""The bench worker: the core measurement in a process, with progress, stop and errors."""

from __future__ import annotations

from padviz.runner.bench_client import BenchClient
from tests.runner.conftest import collect, kinds

TINY = {
    "device": "cpu",
    "hidden": 4,
    "batch_size": 4,
    "max_len": 8,
    "features": 4,
    "warmup": 0,
    "reps": 2,
    "pad_ratios": [0.0, 0.5],
}


def test_measures_every_ratio_with_progress_then_quits() -> None:
    client = BenchClient(TINY)
    try:
        got = collect(client.poll, lambda ms: kinds(ms, "result"))
    finally:
        client.stop()
    fractions = [m[1] for m in kinds(got, "progress")]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    rows = [m[2] for m in kinds(got, "progress") if m[2] is not None]
    (result,) = kinds(got, "result")
    assert result[1]["rows"] == rows and len(rows) == 2
    assert {"padded_ms", "packed_ms", "bucketed_ms"} <= set(rows[0])
    assert result[1]["recommendation"] and not result[1]["interrupted"]
    assert not client.alive


def test_stop_request_ends_early_with_the_rows_so_far() -> None:
    client = BenchClient({**TINY, "reps": 10_000, "pad_ratios": [0.0, 0.5, 0.8]})
    try:
        collect(client.poll, lambda ms: kinds(ms, "progress"))
        client.request_stop()
        (result,) = kinds(collect(client.poll, lambda ms: kinds(ms, "result")), "result")
    finally:
        client.stop()
    assert result[1]["interrupted"] and result[1]["rows"] == []


def test_a_bad_setting_is_an_error_message() -> None:
    client = BenchClient({**TINY, "hidden": 0})
    try:
        (error,) = kinds(collect(client.poll, lambda ms: kinds(ms, "error")), "error")
    finally:
        client.stop()
    assert "hidden" in error[1]
