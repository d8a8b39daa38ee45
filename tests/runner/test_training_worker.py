"""The training worker process driven through TrainingClient, as the GUI drives it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from padviz.core.curves import CURVE_FIELDS
from padviz.core.training import RECORD_FIELDS, TrainConfig, Trainer
from padviz.runner.training_client import TrainingClient
from tests.runner.conftest import collect, kinds, tiny


@pytest.fixture(scope="module")
def client():
    c = TrainingClient(threads=1)
    yield c
    c.stop()


def _records(messages):
    return [r for m in kinds(messages, "records") for r in m[2]]


def test_curve_fields_are_step_record_fields() -> None:
    assert set(CURVE_FIELDS) <= set(RECORD_FIELDS)


def test_steps_and_training_report_the_cores_numbers(client) -> None:
    configs = [tiny("padded-masked", steps=12), tiny("packed", steps=12)]
    client.configure(configs)
    got = collect(client.poll, lambda ms: kinds(ms, "configured"))
    assert kinds(got, "configured")[0][2] == ["cpu", "cpu"]
    client.step()
    first = _records(collect(client.poll, lambda ms: kinds(ms, "records")))
    assert [(run, values[0]) for run, values, _, _ in first] == [(0, 1), (1, 1)]
    client.run()
    rest = _records(collect(client.poll, lambda ms: kinds(ms, "finished")))
    records = first + rest
    for run, config in enumerate(configs):
        mine = [values for r, values, _, _ in records if r == run]
        assert [v[0] for v in mine] == list(range(1, 13))
        for values, record in zip(mine, Trainer(TrainConfig.from_dict(config)), strict=False):
            for name, value in zip(CURVE_FIELDS, values, strict=False):
                if name not in ("tokens_per_s", "step_ms", "memory_mb"):
                    assert value == getattr(record, name), name
    assert all(done_at <= time.perf_counter() for _, _, _, done_at in records)


def test_pause_holds_and_step_adds_exactly_one_round(client) -> None:
    client.configure([tiny("padded-unmasked", steps=100_000), tiny("packed", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: len(_records(ms)) >= 4)
    client.pause()
    time.sleep(0.3)
    client.poll()  # whatever was sent before the pause arrived
    time.sleep(0.3)
    assert client.poll() == []
    client.step()
    step = _records(collect(client.poll, lambda ms: kinds(ms, "records")))
    time.sleep(0.2)
    assert client.poll() == []
    assert sorted(run for run, *_ in step) == [0, 1]


def test_reset_drops_the_old_session_and_starts_at_step_one(client) -> None:
    client.configure([tiny("packed", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: len(_records(ms)) >= 3)
    client.configure([tiny("packed", steps=100_000, lr=0.05)])  # Reset while running
    client.run()
    records = _records(collect(client.poll, lambda ms: len(_records(ms)) >= 3))
    assert [values[0] for _, values, _, _ in records[:3]] == [1, 2, 3]
    assert records[0][1][CURVE_FIELDS.index("lr")] == 0.05
    client.set_lr(0.2)
    later = _records(
        collect(
            client.poll,
            lambda ms: any(
                values[CURVE_FIELDS.index("lr")] == 0.2 for _, values, _, _ in _records(ms)
            ),
        )
    )
    assert later[-1][1][CURVE_FIELDS.index("lr")] == 0.2
    client.pause()


def test_non_finite_loss_stops_only_that_run(client) -> None:
    client.configure([tiny("padded-masked", steps=6, nan_at_step=3), tiny("packed", steps=6)])
    client.run()
    got = collect(client.poll, lambda ms: kinds(ms, "finished"))
    (fault,) = kinds(got, "fault")
    assert fault[2:4] == (0, "non-finite") and "step 3" in fault[4]
    steps = {run: [v[0] for r, v, _, _ in _records(got) if r == run] for run in (0, 1)}
    assert steps == {0: [1, 2], 1: [1, 2, 3, 4, 5, 6]}


def test_a_refused_config_is_an_error_message(client) -> None:
    generation = client.configure([tiny("packed", lr=-1.0)])
    (error,) = kinds(collect(client.poll, lambda ms: kinds(ms, "error")), "error")
    assert error[1] == generation and "lr" in error[2]


def test_hidden_state_truth_with_initial_and_trained_weights(client) -> None:
    config = tiny("packed", steps=3, bidirectional=True)
    client.configure([config])
    client.run()
    collect(client.poll, lambda ms: kinds(ms, "finished"))
    answers = {}
    for run in (None, 0):
        rid = client.request_hidden([[1, 2, 3, 4], [2, 9]], run, config)
        (answer,) = kinds(collect(client.poll, lambda ms: kinds(ms, "hidden")), "hidden")
        assert answer[1] == rid and answer[3] is None
        answers[run] = answer[2]
        assert answer[2]["packed"].shape == (2, 16)
        np.testing.assert_allclose(answer[2]["packed_diff"], 0, atol=1e-6)
        assert answer[2]["padded_diff"][1] > 0
    assert not np.array_equal(answers[None]["packed"], answers[0]["packed"])


def test_a_killed_worker_is_reported_and_stop_returns_quickly() -> None:
    client = TrainingClient(threads=1)
    client.configure([tiny("packed", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: kinds(ms, "records"))
    os.kill(client.pid, signal.SIGKILL)
    (died,) = kinds(collect(client.poll, lambda ms: kinds(ms, "died")), "died")
    assert died[1] == -signal.SIGKILL and not client.alive
    client.stop()


def test_stop_while_training_ends_the_process() -> None:
    client = TrainingClient(threads=1)
    client.configure([tiny("packed", steps=100_000), tiny("padded-masked", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: kinds(ms, "records"))
    client.stop()
    assert not client.alive and client.exitcode == 0  # it quit when asked, nothing was killed


def test_the_parent_side_imports_neither_torch_nor_qt() -> None:
    code = (
        "import sys, padviz.runner.training_client, padviz.runner.bench_client\n"
        "bad = [m for m in ('torch', 'PySide6', 'pyqtgraph') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_runner_sources_import_no_qt() -> None:
    import padviz.runner

    for path in Path(padviz.runner.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for qt in ("PySide6", "pyqtgraph", "PyQt"):
            assert f"import {qt}" not in text and f"from {qt}" not in text, path.name
