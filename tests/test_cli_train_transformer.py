"""`padviz train --model transformer`: the three modes from the CLI, the same numbers as the
trainer, and a mode of the other model refused naming both."""

import csv

import pytest
import torch

from padviz.cli import main
from padviz.core.training import TrainConfig, Trainer

torch.set_num_threads(1)
SMALL = ["--device", "cpu", "--batch-size", "6", "--embed", "8", "--hidden", "8", "--threads", "1"]


@pytest.mark.parametrize("mode", ["padded", "packed-rows", "packed-rows-unmasked"])
def test_train_transformer_writes_the_trainers_numbers(tmp_path, mode) -> None:
    out = tmp_path / "curve.csv"
    flags = ["--row-length", "24", "--algorithm", "ffd", "--positions", "sinusoidal"]
    args = ["train", "--model", "transformer", "--mode", mode, "--steps", "3", "--csv", str(out)]
    assert main([*args, *flags, *SMALL]) == 0
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    config = TrainConfig(
        model="transformer",
        mode=mode,
        steps=3,
        device="cpu",
        batch_size=6,
        embed=8,
        hidden=8,
        num_threads=1,
        row_length=24,
        algorithm="ffd",
        positions="sinusoidal",
    )
    for row, record in zip(rows, Trainer(config), strict=True):
        assert float(row["masked_loss"]) == pytest.approx(record.masked_loss, abs=1e-6)
        assert int(row["tokens"]) == record.tokens
        assert float(row["pad_share"]) == pytest.approx(record.pad_share)


@pytest.mark.parametrize(
    ("flags", "named"),
    [
        (["--model", "transformer", "--mode", "packed"], "model 'transformer'"),
        (["--mode", "packed-rows"], "model 'lstm'"),
    ],
)
def test_a_mode_of_the_other_model_is_refused_naming_both(tmp_path, capsys, flags, named) -> None:
    args = ["train", *flags, "--steps", "2", "--csv", str(tmp_path / "c.csv"), *SMALL]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert named in err and "is a mode of model" in err
    assert not (tmp_path / "c.csv").exists()
