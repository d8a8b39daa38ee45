"""`padviz train` and `padviz bench` with --remote-command: what a local run writes, from a worker
started the way --remote starts one over ssh (here a local `python -m padviz worker --stdio`)."""

from __future__ import annotations

import csv
import json
import shlex
import sys

import pytest

from padviz.cli import main
from padviz.commands.bench import format_table
from padviz.core.training import TIMING_FIELDS
from padviz.runner.remote import SSH_OPTIONS, remote_target

WORKER = f"{shlex.quote(sys.executable)} -m padviz worker --stdio"
TRAIN = ["--mode", "packed", "--steps", "4", "--seed", "5", "--device", "cpu"]
SMALL = ["--batch-size", "4", "--hidden", "8", "--threads", "1"]
BENCH = ["--device", "cpu", "--hidden", "4", "--batch-size", "4", "--max-len", "8"]
BENCH += ["--buckets", "2", "--reps", "1", "--warmup", "0", "--threads", "1"]


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_remote_train_writes_the_local_csv(tmp_path, capsys) -> None:
    remote, local = tmp_path / "remote.csv", tmp_path / "local.csv"
    argv = ["train", *TRAIN, *SMALL]
    assert main([*argv, "--csv", str(remote), "--remote-command", WORKER]) == 0
    bar = capsys.readouterr().err
    assert "4/4" in bar and "on cpu" in bar
    assert main([*argv, "--csv", str(local)]) == 0
    got, want = read_csv(remote), read_csv(local)
    assert list(got[0]) == list(want[0])  # the same columns in the same order
    assert len(got) == len(want) == 4
    for mine, theirs in zip(got, want, strict=True):
        for column in set(mine) - set(TIMING_FIELDS):
            assert mine[column] == theirs[column], column  # the same text: 1, not 1.0


def test_a_remote_bench_prints_the_local_json_and_table(capsys) -> None:
    assert main(["bench", *BENCH, "--json", "--remote-command", WORKER]) == 0
    remote = json.loads(capsys.readouterr().out)
    assert main(["bench", *BENCH, "--json"]) == 0
    local = json.loads(capsys.readouterr().out)
    assert list(remote) == list(local)
    same = set(local) - {"rows", "recommendation"}
    assert {k: remote[k] for k in same} == {k: local[k] for k in same}
    assert [list(r) for r in remote["rows"]] == [list(r) for r in local["rows"]]
    table = format_table(remote).splitlines()  # what the run without --json prints
    assert table[0] == f"device: {local['device_name']}, torch {local['torch']}; " + (
        "LSTM hidden 4, 32 features, max len T = 8"
    )
    assert len(table) == 4 + len(local["rows"]) + 1 and table[-1] == remote["recommendation"]


def test_what_only_the_remote_can_refuse_is_one_line_naming_it(tmp_path, capsys) -> None:
    csv_path = tmp_path / "c.csv"
    argv = ["train", *TRAIN, "--device", "cuda:7", "--csv", str(csv_path), *SMALL]
    assert main([*argv, "--remote-command", WORKER]) == 2
    err = capsys.readouterr().err
    assert "device 'cuda:7' is not available here" in err and err.startswith("error: on ")
    assert not csv_path.exists()  # refused before the CSV, as a local run is


@pytest.mark.parametrize(
    ("flags", "says"),
    [
        (["--remote-command", "padviz-not-installed worker --stdio"], "'padviz-not-installed'"),
        (["--remote-command", "sh -c 'echo no padviz here >&2; exit 127'"], "no padviz here"),
    ],
)
def test_a_connection_that_fails_is_exit_1_with_the_reason(tmp_path, capsys, flags, says) -> None:
    csv_path = tmp_path / "c.csv"
    assert main(["train", *TRAIN, "--csv", str(csv_path), *flags]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and says in err and not csv_path.exists()
    assert main(["bench", *BENCH, *flags]) == 1
    assert says in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flag", "says"),
    [
        ("--remote=-oProxyCommand=touch x", "--remote '-oProxyCommand=touch x' is not"),
        ("--remote=user@host name", "is not an ssh destination"),
        ("--remote-command=srun 'padviz", '--remote-command "srun \'padviz" cannot be split'),
        ("--remote-command=  ", "--remote-command is empty"),
    ],
)
def test_bad_remote_flags_are_one_line_and_exit_2(tmp_path, capsys, flag, says) -> None:
    assert main(["train", *TRAIN, "--csv", str(tmp_path / "c.csv"), flag]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and says in err


def test_the_ssh_command_line() -> None:
    plain = remote_target("me@gpu1", None)
    assert plain.argv == ("ssh", *SSH_OPTIONS, "--", "me@gpu1", "padviz worker --stdio")
    assert plain.host == "gpu1" and plain.text == "ssh me@gpu1 padviz worker --stdio"
    venv = remote_target("ssh://me@gpu1:2222", "~/venv/bin/padviz worker --stdio")
    assert venv.argv[-2:] == ("ssh://me@gpu1:2222", "~/venv/bin/padviz worker --stdio")
    assert venv.host == "gpu1"
    srun = remote_target(None, "srun --gres=gpu:1 padviz worker --stdio")
    assert srun.argv == ("srun", "--gres=gpu:1", "padviz", "worker", "--stdio")
    assert "BatchMode=yes" in SSH_OPTIONS  # no password prompt that nothing could answer
