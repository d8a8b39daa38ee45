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
from padviz.runner.messages import (
    Acked,
    ConfigRefused,
    Configured,
    Died,
    Fault,
    Finished,
    HiddenAnswer,
    Records,
)
from padviz.runner.training_client import TrainingClient
from tests.runner.conftest import collect, of_type, steps, synced, tiny


@pytest.fixture(scope="module")
def client():
    c = TrainingClient(threads=1)
    yield c
    c.stop()


def test_curve_fields_are_step_record_fields() -> None:
    assert set(CURVE_FIELDS) <= set(RECORD_FIELDS)


def test_steps_and_training_report_the_cores_numbers(client) -> None:
    configs = [tiny("padded-masked", steps=12), tiny("packed", steps=12)]
    client.configure(configs)
    got = collect(client.poll, lambda ms: of_type(ms, Configured))
    assert of_type(got, Configured)[0].devices == ("cpu", "cpu")
    client.step()
    first = steps(collect(client.poll, lambda ms: of_type(ms, Records)))
    assert [(s.run, s.value("step")) for s in first] == [(0, 1), (1, 1)]
    client.run()
    records = first + steps(collect(client.poll, lambda ms: of_type(ms, Finished)))
    for run, config in enumerate(configs):
        mine = [s for s in records if s.run == run]
        assert [s.value("step") for s in mine] == list(range(1, 13))
        for step, record in zip(mine, Trainer(TrainConfig.from_dict(config)), strict=False):
            for name in CURVE_FIELDS:
                if name not in ("tokens_per_s", "step_ms", "memory_mb"):
                    assert step.value(name) == getattr(record, name), name
    assert all(s.done_at <= time.perf_counter() for s in records)


def test_every_command_is_acknowledged_in_order_once_handled(client) -> None:
    client.configure([tiny("packed", steps=3)])
    client.set_lr(0.02)
    client.step()
    client.request_hidden([[1, 2]], None, tiny("packed"))
    client.pause()
    got = synced(client)
    acks = [m.command for m in of_type(got, Acked)]
    assert acks == ["Configure", "SetLr", "Step", "RequestHidden", "Pause"]
    # each command's own output comes before its acknowledgement
    order = [type(m).__name__ for m in got if not isinstance(m, Acked)]
    assert order == ["Configured", "Records", "HiddenAnswer"]
    assert got.index(Acked("Step")) > got.index(of_type(got, Records)[0])
    assert steps(got)[0].value("lr") == 0.02


def test_pause_holds_and_step_adds_exactly_one_round(client) -> None:
    client.configure([tiny("padded-unmasked", steps=100_000), tiny("packed", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: len(steps(ms)) >= 4)
    client.pause()
    collect(client.poll, lambda ms: Acked("Pause") in ms)
    assert steps(synced(client)) == []  # nothing was trained after the pause was handled
    client.step()
    one_round = synced(client)
    assert len(of_type(one_round, Records)) == 1
    assert sorted(s.run for s in steps(one_round)) == [0, 1]
    assert steps(synced(client)) == []  # and still paused after the step


def test_reset_drops_the_old_session_and_starts_at_step_one(client) -> None:
    client.configure([tiny("packed", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: len(steps(ms)) >= 3)
    client.configure([tiny("packed", steps=100_000, lr=0.05)])  # Reset while running
    client.run()
    records = steps(collect(client.poll, lambda ms: len(steps(ms)) >= 3))
    assert [s.value("step") for s in records[:3]] == [1, 2, 3]
    assert records[0].value("lr") == 0.05
    client.set_lr(0.2)
    later = steps(collect(client.poll, lambda ms: any(s.value("lr") == 0.2 for s in steps(ms))))
    assert later[-1].value("lr") == 0.2
    client.pause()


def test_non_finite_loss_stops_only_that_run(client) -> None:
    client.configure([tiny("padded-masked", steps=6, nan_at_step=3), tiny("packed", steps=6)])
    client.run()
    got = collect(client.poll, lambda ms: of_type(ms, Finished))
    (fault,) = of_type(got, Fault)
    assert (fault.run, fault.kind) == (0, "non-finite") and "step 3" in fault.message
    by_run = {run: [s.value("step") for s in steps(got) if s.run == run] for run in (0, 1)}
    assert by_run == {0: [1, 2], 1: [1, 2, 3, 4, 5, 6]}


def test_a_refused_config_is_an_error_message(client) -> None:
    generation = client.configure([tiny("packed", lr=-1.0)])
    (error,) = of_type(collect(client.poll, lambda ms: of_type(ms, ConfigRefused)), ConfigRefused)
    assert error.generation == generation and "lr" in error.message


def test_hidden_state_truth_with_initial_and_trained_weights(client) -> None:
    config = tiny("packed", steps=3, bidirectional=True)
    client.configure([config])
    client.run()
    collect(client.poll, lambda ms: of_type(ms, Finished))
    answers = {}
    for run in (None, 0):
        rid = client.request_hidden([[1, 2, 3, 4], [2, 9]], run, config)
        got = collect(client.poll, lambda ms: of_type(ms, HiddenAnswer))
        (answer,) = of_type(got, HiddenAnswer)
        assert answer.request_id == rid and answer.error is None
        answers[run] = answer.arrays
        assert answer.arrays["packed"].shape == (2, 16)
        np.testing.assert_allclose(answer.arrays["packed_diff"], 0, atol=1e-6)
        assert answer.arrays["padded_diff"][1] > 0
    assert not np.array_equal(answers[None]["packed"], answers[0]["packed"])


def test_a_killed_worker_is_reported_and_stop_returns_quickly() -> None:
    client = TrainingClient(threads=1)
    client.configure([tiny("packed", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: of_type(ms, Records))
    os.kill(client.pid, signal.SIGKILL)
    (died,) = of_type(collect(client.poll, lambda ms: of_type(ms, Died)), Died)
    assert died.exitcode == -signal.SIGKILL and not client.alive
    assert client.poll() == []  # Died is reported once
    client.stop()


def test_stop_while_training_ends_the_process() -> None:
    client = TrainingClient(threads=1)
    client.configure([tiny("packed", steps=100_000), tiny("padded-masked", steps=100_000)])
    client.run()
    collect(client.poll, lambda ms: of_type(ms, Records))
    client.stop()
    assert not client.alive and client.exitcode == 0  # it quit when asked, nothing was killed


PARENT_SIDE = """
import sys
import time
from padviz.runner.messages import HiddenAnswer, Synced
from padviz.runner.training_client import TrainingClient

CONFIG = {config}

if __name__ == "__main__":
    client = TrainingClient(threads=1)
    client.configure([CONFIG])
    client.step()
    client.request_hidden([[1, 2, 3]], 0, CONFIG)
    token = client.sync()
    reports = []
    while Synced(token) not in reports:
        reports += client.poll()
        time.sleep(0.01)
    client.stop()
    assert any(isinstance(m, HiddenAnswer) and m.arrays for m in reports), reports
    bad = [m for m in ("torch", "PySide6", "pyqtgraph") if m in sys.modules]
    print(",".join(bad))
"""


def test_the_parent_side_imports_and_unpickles_neither_torch_nor_qt(tmp_path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(PARENT_SIDE.format(config=tiny("packed")), encoding="utf-8")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_runner_sources_import_no_qt() -> None:
    import padviz.runner

    for path in Path(padviz.runner.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for qt in ("PySide6", "pyqtgraph", "PyQt"):
            assert f"import {qt}" not in text and f"from {qt}" not in text, path.name


def test_the_worker_trains_the_next_token_task_on_a_corpus_file(client, tmp_path) -> None:
    corpus = tmp_path / "lines.txt"
    corpus.write_text("the cat sat on the mat\na dog\nthe end of it\n" * 4, encoding="utf-8")
    configs = [
        tiny(mode, task="next-token", corpus=str(corpus), steps=4)
        for mode in ("padded-unmasked", "packed")
    ]
    client.configure(configs)
    client.run()
    records = steps(collect(client.poll, lambda ms: of_type(ms, Finished)))
    for run, config in enumerate(configs):
        mine = [s.value("masked_loss") for s in records if s.run == run]
        assert mine == [r.masked_loss for r in Trainer(TrainConfig.from_dict(config))]
    client.configure([tiny("packed", task="next-token", corpus=str(tmp_path / "gone.txt"))])
    (error,) = of_type(collect(client.poll, lambda ms: of_type(ms, ConfigRefused)), ConfigRefused)
    assert "cannot read" in error.message and "gone.txt" in error.message
