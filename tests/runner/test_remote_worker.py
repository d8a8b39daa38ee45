"""The remote worker, end to end through a local subprocess (`python -m padviz worker --stdio`)
as `--remote-command` starts it: the same numbers as a local run, the controls, the bench, and
every way the connection can fail."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys

import numpy as np
import pytest

from padviz.core.curves import CURVE_FIELDS
from padviz.core.hidden_truth import hidden_truth
from padviz.core.training import TIMING_FIELDS, TrainConfig, Trainer, build_model
from padviz.runner.bench_client import BenchClient
from padviz.runner.json_codec import MAX_COMMAND_BYTES, MAX_REPORT_BYTES, encode
from padviz.runner.messages import (
    PROTOCOL_VERSION,
    BenchDone,
    Configured,
    Finished,
    Hello,
    HiddenAnswer,
    Lost,
    Pause,
    Progress,
    Records,
    Synced,
)
from padviz.runner.remote import RemoteHandle, RemoteTarget, begin, remote_target
from padviz.runner.stdio_worker import EXIT_PROTOCOL_MISMATCH, PROTOCOL_ENV
from padviz.runner.training_client import TrainingClient
from tests.runner.conftest import collect, of_type, steps, synced, tiny
from tests.runner.test_bench_worker import TINY as TINY_BENCH

WORKER = f"{shlex.quote(sys.executable)} -m padviz worker --stdio"
LOCAL = remote_target(None, WORKER)


def ended(handle: RemoteHandle | None) -> bool:
    process = handle._process if handle is not None else None
    return process is None or process.poll() is not None


def lost(poll) -> Lost:
    (message,) = of_type(collect(poll, lambda ms: of_type(ms, Lost)), Lost)
    return message


def compare_with_local(records, config: dict[str, object]) -> None:
    """Every non-timing number equals the local core Trainer's with the same settings."""
    for step, record in zip(records, Trainer(TrainConfig.from_dict(config)), strict=False):
        for name in CURVE_FIELDS:
            if name not in TIMING_FIELDS:
                assert step.value(name) == getattr(record, name), name


def test_a_remote_cpu_run_gives_the_local_losses_obeys_every_control_and_is_lost_if_killed():
    client = TrainingClient(remote=LOCAL)
    try:
        configs = [tiny("padded-masked", steps=8, seed=4), tiny("packed", steps=8, seed=4)]
        client.configure(configs)
        got = collect(client.poll, lambda ms: of_type(ms, Configured))
        assert of_type(got, Configured)[0].devices == ("cpu", "cpu")
        hello = client.remote.hello
        assert hello.protocol == PROTOCOL_VERSION and hello.devices[0].id == "cpu"
        assert hello.devices[0].memory_mb > 0 and hello.torch_version
        client.step()  # paused: exactly one round
        first = steps(synced(client))
        assert [(s.run, s.value("step")) for s in first] == [(0, 1), (1, 1)]
        client.run()
        rest = steps(collect(client.poll, lambda ms: of_type(ms, Finished)))
        for run, config in enumerate(configs):
            mine = [s for s in first + rest if s.run == run]
            assert [s.value("step") for s in mine] == list(range(1, 9))
            compare_with_local(mine, config)

        # reset = configure again: the runs restart from their initial weights and data
        client.configure(configs[:1])
        client.step()
        client.set_lr(0.5)
        client.step()
        again = steps(synced(client))
        assert [s.value("step") for s in again] == [1, 2]
        assert [s.value("lr") for s in again] == [configs[0].get("lr", 0.003), 0.5]
        compare_with_local(again[:1], configs[0])

        # the hidden-state truth with a config's initial weights, as the local core gives it
        sequences = [[1, 2, 3], [4, 5]]
        client.request_hidden(sequences, None, configs[1])
        (answer,) = of_type(synced(client), HiddenAnswer)
        truth = hidden_truth(build_model(TrainConfig.from_dict(configs[1])), sequences)
        assert answer.error is None and set(answer.arrays) == set(truth)
        for name, array in truth.items():
            np.testing.assert_array_equal(answer.arrays[name], array)
        assert client.remote.latency_ms is not None and client.remote.latency_ms >= 0

        # killed mid-run: Lost, once, saying so
        client.configure([tiny("packed", steps=1_000_000)])
        client.run()
        collect(client.poll, lambda ms: of_type(ms, Records))
        os.kill(client.pid, signal.SIGKILL)
        message = lost(client.poll)
        assert client.poll() == [] and not client.alive
    finally:
        client.stop()
    assert message.exitcode == -signal.SIGKILL
    assert "the connection to" in message.message and "was lost" in message.message


# The worker, with its bench printing to stdout (as a library might) before it measures.
NOISY_WORKER = (
    "import os, padviz.runner.bench_worker as b\n"
    "measure = b._measure\n"
    "def noisy(conn, config):\n"
    "    print('a stray print', flush=True)\n"
    "    os.write(1, b'a stray write\\n')\n"
    "    return measure(conn, config)\n"
    "b._measure = noisy\n"
    "from padviz.runner.stdio_worker import main\n"
    "main()\n"
)


def test_the_bench_runs_remotely_with_progress_and_the_local_result_shape() -> None:
    noisy = RemoteTarget(None, shlex.join([sys.executable, "-c", NOISY_WORKER]))
    client = BenchClient(TINY_BENCH, remote=noisy)
    try:
        got = collect(client.poll, lambda ms: of_type(ms, BenchDone))
    finally:
        client.stop()
    fractions = [m.fraction for m in of_type(got, Progress)]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    (done,) = of_type(got, BenchDone)
    assert done.result["pad_ratios"] == TINY_BENCH["pad_ratios"]
    assert [row["target_pad_ratio"] for row in done.result["rows"]] == [0.0, 0.5]
    assert done.result["device"] == "cpu" and not done.result["interrupted"]
    assert ended(client.remote) and not client.alive  # stop() ended it
    # what the worker's code wrote to stdout went to stderr: the protocol never saw it
    assert {"a stray print", "a stray write"} <= set(client.remote.stderr_lines)


def test_a_worker_of_another_protocol_is_refused_with_both_versions() -> None:
    target = remote_target(None, f"env {PROTOCOL_ENV}=99 {WORKER}")
    handle = RemoteHandle(target, begin("training"))
    try:
        message = lost(handle.poll).message
    finally:
        handle.stop()
    assert "worker protocol 99" in message and f"speaks protocol {PROTOCOL_VERSION}" in message
    assert "install the same padviz version on both machines" in message
    assert handle.hello is None and ended(handle)
    assert handle.exitcode == 0  # the worker ended by itself once its stdin closed


class RawWorker:
    """The worker as a plain subprocess: write lines, read them, as any parent would."""

    def __init__(self) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        self.process = subprocess.Popen(
            shlex.split(WORKER),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )

    def send(self, line: bytes) -> None:
        self.process.stdin.write(line + b"\n")
        self.process.stdin.flush()

    def read(self) -> dict:
        return json.loads(self.process.stdout.readline())

    def end(self) -> tuple[int, bytes]:
        """Close stdin (the worker's signal to end) and wait for it."""
        self.process.stdin.close()
        try:
            code = self.process.wait(30)
        finally:
            self.process.kill()
            self.process.wait()
        return code, self.process.stderr.read()


def test_bad_lines_get_an_error_line_back_the_worker_goes_on_and_a_foreign_begin_ends_it():
    worker = RawWorker()
    try:
        assert worker.read()["type"] == "Hello"
        for line, says in (
            (b"{not json", "a line that is not JSON"),
            (b'{"type": "Explode"}', "unknown message type 'Explode'"),
            (b'{"type": "Sync", "token": false}', "Sync.token must be int, got False"),
            (b"x" * (MAX_COMMAND_BYTES + 10), f"over the limit of {MAX_COMMAND_BYTES} bytes"),
            (b'{"type": "Run"}', "expected Begin first, got Run"),
            (json.dumps(begin_dict("painting")).encode(), "unknown role 'painting'"),
            (json.dumps(begin_dict("bench")).encode(), "Begin of the bench needs its bench_config"),
        ):
            worker.send(line)
            answer = worker.read()
            assert answer["type"] == "ProtocolError" and says in answer["message"], answer
        worker.send(b'{"type": "Ping", "token": 7}')
        assert worker.read() == {"type": "Pong", "token": 7}
        # a Begin of another protocol: the worker says so, on stderr too, and ends
        worker.send(json.dumps(begin_dict("training", protocol=99)).encode())
        answer = worker.read()
    finally:
        code, stderr = worker.end()
    assert answer["type"] == "ProtocolError"
    assert f"speaks worker protocol {PROTOCOL_VERSION}" in answer["message"]
    assert "speaks 99" in answer["message"] and b"install the same padviz" in stderr
    assert code == EXIT_PROTOCOL_MISMATCH


def begin_dict(role: str, protocol: int = PROTOCOL_VERSION) -> dict[str, object]:
    return {**vars(begin(role)), "type": "Begin", "protocol": protocol}


@pytest.mark.parametrize(
    ("command", "says"),
    [
        ("padviz-no-such-command worker --stdio", "cannot start 'padviz-no-such-command'"),
        (
            "sh -c 'echo \"bash: padviz: command not found\" >&2; exit 127'",
            "exited with code 127; its stderr said:\nbash: padviz: command not found",
        ),
        ("sh -c 'echo Welcome to the cluster; cat'", "did not start a padviz worker"),
    ],
    ids=["not-found", "padviz-missing", "not-a-worker"],
)
def test_a_connection_that_cannot_start_says_why(command, says) -> None:
    handle = RemoteHandle(RemoteTarget(None, command), begin("training"))
    try:
        handle.send(Pause())  # waits for a handshake that never comes
        message = lost(handle.poll).message
    finally:
        handle.stop()
    assert says in message and ended(handle)


def test_a_hostile_remote_gets_its_bad_lines_ignored_and_nothing_else() -> None:
    hello = encode(Hello(PROTOCOL_VERSION, "0.1.0", "2.13", "fake", ())).decode().strip()
    lines = [
        hello,
        "not json",
        '{"type": "Lost", "exitcode": 0, "message": "a report only the parent makes"}',
        '{"type": "Synced", "token": "not an int"}',
        "X",  # becomes a line over the limit
        '{"type": "Synced", "token": 5}',
    ]
    text = "\n".join(lines) + "\n"
    fake = f"import sys; sys.stdout.write({text!r}.replace('X', 'x' * {MAX_REPORT_BYTES + 1}))"
    target = RemoteTarget(None, shlex.join([sys.executable, "-c", fake]))
    handle = RemoteHandle(target, begin("training"))
    try:
        got = collect(handle.poll, lambda ms: of_type(ms, Lost))
    finally:
        handle.stop()
    assert got[0] == Synced(5) and isinstance(got[1], Lost) and len(got) == 2
    assert "the connection to fake was lost (exit code 0)" in got[1].message
    ignored = [line for line in handle.stderr_lines if "ignored a line" in line]
    assert len(ignored) == 4 and "unknown message type 'Lost'" in ignored[1]
    assert f"over the limit of {MAX_REPORT_BYTES} bytes" in ignored[3]


def test_stop_during_the_handshake_ends_the_worker_quietly() -> None:
    handle = RemoteHandle(LOCAL, begin("training"))
    handle.stop()
    assert ended(handle) and handle.poll() == [] and not handle.send(Pause())
