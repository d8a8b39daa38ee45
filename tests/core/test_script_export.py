"""The exported script runs as written, with plain torch, and prints the trainer's own losses."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import pytest
import torch

from padviz.core.script_export import export_script, write_script
from padviz.core.tasks import task_names
from padviz.core.training import TrainConfig, Trainer

LINE = re.compile(r"step\s+(\d+)\s+loss (\S+)\s+masked (\S+)\s+unmasked (\S+)\s+accuracy (\S+)")


@pytest.fixture(autouse=True)
def _restore_threads():
    """TrainConfig.num_threads sets torch's thread count process-wide; put it back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def _run(path) -> list[tuple[float, ...]]:
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True
    )
    return [tuple(float(v) for v in m.groups()) for m in LINE.finditer(out.stdout)]


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(
            task="running-sum-mod-k", mode="packed", steps=40, lr=0.02, device="cpu", num_threads=1
        ),
        TrainConfig(
            task="last-token",
            mode="padded-unmasked",
            steps=40,
            bidirectional=True,
            layers=2,
            hidden=16,
            embed=8,
            lr=0.03,
            device="cpu",
            length_distribution="lognormal",
            min_len=2,
            max_len=12,
            seed=7,
            num_threads=1,
        ),
        TrainConfig(
            task="majority",
            mode="packed",
            steps=40,
            cell="gru",
            bidirectional=True,
            lr=0.02,
            device="cpu",
            num_threads=1,
        ),
        TrainConfig(
            task="last-token",
            mode="padded-masked",
            steps=40,
            cell="rnn",
            lr=0.03,
            device="cpu",
            num_threads=1,
        ),
    ],
    ids=["per-token-packed", "per-sequence-padded-bidirectional", "gru-packed", "rnn-padded"],
)
def test_exported_script_reproduces_the_trainer_and_loss_decreases(tmp_path, config) -> None:
    path = write_script(config, tmp_path / "run.py")
    source = path.read_text()
    assert "padviz" not in "".join(
        line for line in source.splitlines() if line.startswith(("import", "from"))
    )
    printed = _run(path)
    assert [int(p[0]) for p in printed] == list(range(1, config.steps + 1))
    trainer = Trainer(config)
    for values, record in zip(printed, trainer, strict=False):
        objective = record.unmasked_loss if config.mode == "padded-unmasked" else record.masked_loss
        assert values[1] == pytest.approx(objective, abs=2e-6)
        assert values[2] == pytest.approx(record.masked_loss, abs=2e-6)
        assert values[3] == pytest.approx(record.unmasked_loss, abs=2e-6)
        assert values[4] == pytest.approx(record.accuracy, abs=2e-4)
    losses = [p[1] for p in printed]
    assert sum(losses[-8:]) / 8 < 0.9 * sum(losses[:8]) / 8


def test_every_task_exports_valid_python() -> None:
    for task in task_names():
        for mode in ("padded-unmasked", "padded-masked", "packed"):
            ast.parse(export_script(TrainConfig(task=task, mode=mode)))


def test_bad_config_is_refused() -> None:
    with pytest.raises(ValueError, match="lr"):
        export_script(TrainConfig(lr=-1.0))
