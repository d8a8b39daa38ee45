"""`padviz train`: the CSV contract, --list-tasks, and one clear line for every bad input."""

import csv
import subprocess
import sys

import pytest
import torch

from padviz.cli import main
from padviz.core.tasks import all_task_names

REQUIRED_COLUMNS = {
    "step",
    "masked_loss",
    "unmasked_loss",
    "article_loss",
    "accuracy",
    "tokens_per_s",
    "step_ms",
}
SMALL = ["--device", "cpu", "--batch-size", "4", "--hidden", "8"]


def read_csv(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("mode", ["padded-unmasked", "packed"])
def test_train_writes_one_row_per_step(tmp_path, capsys, mode):
    out = tmp_path / "curve.csv"
    rc = main(["train", "--mode", mode, "--steps", "5", "--csv", str(out), "--seed", "3", *SMALL])
    assert rc == 0
    rows = read_csv(out)
    assert set(rows[0]) >= REQUIRED_COLUMNS
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5]
    assert {r["mode"] for r in rows} == {mode} and {r["device"] for r in rows} == {"cpu"}
    for row in rows:
        for column in REQUIRED_COLUMNS - {"step"}:
            assert float(row[column]) >= 0
    bar = capsys.readouterr().err
    assert "5/5" in bar and bar.endswith("\n")


def test_the_csv_holds_the_same_numbers_as_the_core(tmp_path):
    from padviz.core.training import TrainConfig, Trainer

    out = tmp_path / "c.csv"
    args = ["--task", "majority", "--steps", "3", "--lr", "0.05", "--seed", "7"]
    assert main(["train", "--mode", "packed", "--csv", str(out), *args, *SMALL]) == 0
    config = TrainConfig(
        task="majority",
        mode="packed",
        steps=3,
        lr=0.05,
        seed=7,
        device="cpu",
        batch_size=4,
        hidden=8,
    )
    for row, record in zip(read_csv(out), Trainer(config), strict=True):
        assert float(row["masked_loss"]) == record.masked_loss
        assert float(row["article_loss"]) == record.article_loss


def test_list_tasks_prints_one_name_per_line(capsys):
    assert main(["train", "--list-tasks"]) == 0
    assert capsys.readouterr().out.splitlines() == all_task_names()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--task", "sorting"], "unknown task 'sorting'; choose one of running-sum-mod-k"),
        (["--mode", "unpacked"], "unknown mode 'unpacked'"),
        (["--steps", "0"], "steps 0 must be a whole number >= 1"),
        (["--steps", "many"], "argument --steps: invalid int value: 'many'"),
        (["--device", "cuda"], "device 'cuda' is not available here; available: cpu"),
        (["--device", "mps"], "device 'mps' is not available here"),
        (["--batch-size", "-3"], "batch_size -3 must be a whole number from 1 to 1024"),
        (["--lr", "nan"], "lr must be a positive finite number, got nan"),
        (["--mode", None], "--mode required"),
        (["--csv", None, "--steps", None], "--steps, --csv required"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    given = {"--mode": "packed", "--steps": "2", "--csv": str(tmp_path / "x.csv")}
    given.update(dict(zip(args[::2], args[1::2], strict=False)))
    argv = ["train"] + [s for k, v in given.items() if v is not None for s in (k, v)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err, err
    assert not (tmp_path / "x.csv").exists()  # nothing is written before the settings are good


def test_an_unwritable_csv_path_is_one_line(tmp_path, capsys):
    target = tmp_path / "missing-folder" / "x.csv"
    assert main(["train", "--mode", "packed", "--steps", "2", "--csv", str(target), *SMALL]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write --csv {target}: No such file or directory\n"


def test_the_installed_command_reports_bad_input_without_a_traceback(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "padviz",
            "train",
            "--mode",
            "packed",
            "--steps",
            "-1",
            "--csv",
            str(tmp_path / "x.csv"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "error: steps -1 must be a whole number >= 1\n"


def test_running_out_of_device_memory_ends_with_one_error_line(tmp_path, capsys, monkeypatch):
    from padviz.core.training import Trainer

    def out_of_memory(self, batch, step):
        if step == 3:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory")
        return original(self, batch, step)

    original = Trainer._forward_backward
    monkeypatch.setattr(Trainer, "_forward_backward", out_of_memory)
    out = tmp_path / "x.csv"
    assert main(["train", "--mode", "packed", "--steps", "5", "--csv", str(out), *SMALL]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == (
        "error: training stopped at step 3 (packed): cpu ran out of memory; "
        "try a smaller batch, shorter sequences or a smaller model"
    )
    assert "2/5" in err[-2]  # the bar's line, ended before the message
    assert [row["step"] for row in read_csv(out)] == ["1", "2"]


def test_a_model_larger_than_memory_is_refused_before_the_csv_is_made(tmp_path, capsys):
    out = tmp_path / "x.csv"
    big = ["--embed", "4096", "--hidden", "4096", "--layers", "8", "--batch-size", "1024"]
    args = ["train", "--mode", "packed", "--steps", "2", "--csv", str(out), "--max-len", "4096"]
    assert main([*args, "--device", "cpu", *big]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: embed 4096, hidden 4096, layers 8, batch_size 1024, max_len 4096")
    assert "but cpu has" in err and err.count("\n") == 1
    assert not out.exists()


def test_progress_in_a_log_is_whole_lines(tmp_path):
    """With stderr a file, no carriage-return frames pile up: a line now and then, and the end."""
    log = tmp_path / "err.log"
    with open(log, "w", encoding="utf-8") as stderr:
        argv = ["train", "--mode", "packed", "--steps", "60", "--csv", str(tmp_path / "c.csv")]
        subprocess.run(
            [sys.executable, "-m", "padviz", *argv, *SMALL], stderr=stderr, check=True, timeout=120
        )
    text = log.read_text(encoding="utf-8")
    assert "\r" not in text
    lines = text.splitlines()
    assert 1 <= len(lines) <= 3 and "60/60" in lines[-1]


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_the_cell_is_chosen_by_flag_and_trains(tmp_path, cell):
    from padviz.core.training import TrainConfig, Trainer

    out = tmp_path / "c.csv"
    assert (
        main(
            ["train", "--mode", "packed", "--steps", "3", "--csv", str(out), "--cell", cell, *SMALL]
        )
        == 0
    )
    config = TrainConfig(mode="packed", steps=3, cell=cell, device="cpu", batch_size=4, hidden=8)
    expected = [record.masked_loss for record in Trainer(config)]
    assert [float(r["masked_loss"]) for r in read_csv(out)] == pytest.approx(expected, abs=1e-6)
    assert isinstance(Trainer(config).model.rnn, getattr(torch.nn, cell.upper()))


def test_an_unknown_cell_is_one_line_naming_the_choices(tmp_path, capsys):
    argv = ["train", "--mode", "packed", "--steps", "1", "--csv", str(tmp_path / "c.csv")]
    assert main([*argv, "--cell", "lstn"]) == 2
    err = capsys.readouterr().err
    assert "--cell" in err and "lstm" in err and err.count("\n") == 1


def test_train_next_token_on_a_corpus_file(tmp_path, capsys):
    from padviz.core.training import TrainConfig, Trainer

    corpus = tmp_path / "lines.txt"
    corpus.write_text("the cat sat\non the mat\nthe end\n" * 5, encoding="utf-8")
    out = tmp_path / "c.csv"
    argv = ["train", "--corpus", str(corpus), "--mode", "packed", "--steps", "3", "--csv"]
    assert main([*argv, str(out), *SMALL]) == 0
    config = TrainConfig(
        task="next-token",
        corpus=str(corpus),
        mode="packed",
        steps=3,
        device="cpu",
        batch_size=4,
        hidden=8,
    )
    rows = read_csv(out)
    assert [float(r["masked_loss"]) for r in rows] == [r.masked_loss for r in Trainer(config)]
    err = capsys.readouterr().err
    assert "reading" not in err and "next-token packed" in err  # a small file: no read line
    short = ["--min-len", "4", "--csv", str(tmp_path / "x.csv")]
    assert main(["train", "--corpus", str(corpus), "--mode", "packed", "--steps", "1", *short]) == 2
    assert "min_len 4: no sequence" in capsys.readouterr().err
    assert not (tmp_path / "x.csv").exists()  # refused before the CSV is written
