"""The bench worker: the core measurement in a process, with progress, stop and errors."""

from __future__ import annotations

from padviz.runner.bench_client import BenchClient
from padviz.runner.messages import Acked, BenchDone, BenchRefused, Progress
from tests.runner.conftest import collect, of_type, synced

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
        got = collect(client.poll, lambda ms: of_type(ms, BenchDone))
    finally:
        client.stop()
    fractions = [m.fraction for m in of_type(got, Progress)]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    rows = [m.row for m in of_type(got, Progress) if m.row is not None]
    (done,) = of_type(got, BenchDone)
    assert done.result["rows"] == rows and len(rows) == 2
    assert {"padded_ms", "packed_ms", "bucketed_ms"} <= set(rows[0])
    assert done.result["recommendation"] and not done.result["interrupted"]
    assert not client.alive


def test_stop_request_ends_early_with_the_rows_so_far() -> None:
    client = BenchClient({**TINY, "reps": 10_000, "pad_ratios": [0.0, 0.5, 0.8]})
    try:
        collect(client.poll, lambda ms: of_type(ms, Progress))
        client.request_stop()
        got = synced(client)
    finally:
        client.stop()
    (done,) = of_type(got, BenchDone)
    assert got.index(done) < got.index(Acked("StopMeasuring"))  # acknowledged once answered
    assert done.result["interrupted"] and done.result["rows"] == []


def test_a_bad_setting_is_an_error_message() -> None:
    client = BenchClient({**TINY, "hidden": 0})
    try:
        got = synced(client)
    finally:
        client.stop()
    (error,) = of_type(got, BenchRefused)
    assert "hidden" in error.message
