"""The memory estimate: exact weight counts, and refusing what cannot fit before allocating."""

import pytest
import torch

from padviz.core.bench import BenchConfig, measure
from padviz.core.memory import (
    MemoryLimitError,
    bench_bytes,
    check_fits,
    free_bytes,
    recurrent_parameters,
    training_bytes,
)
from padviz.core.models import CELLS
from padviz.core.training import TrainConfig, Trainer, build_model


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize(
    "inputs, hidden, layers, bidirectional", [(3, 5, 1, False), (7, 4, 3, True), (2, 9, 2, False)]
)
def test_weight_count_is_torchs(inputs, hidden, layers, bidirectional, cell):
    module = CELLS[cell](inputs, hidden, layers, bidirectional=bidirectional)
    expected = sum(p.numel() for p in module.parameters())
    directions = 2 if bidirectional else 1
    assert recurrent_parameters(inputs, hidden, layers, directions, cell) == expected


def test_training_estimate_covers_the_model_and_its_optimizer():
    config = TrainConfig(hidden=32, embed=16, layers=2, bidirectional=True, device="cpu")
    weights = sum(p.numel() for p in build_model(config).parameters()) * 4
    assert training_bytes(config) >= 4 * weights  # weights, gradients and Adam's two moments
    sgd = TrainConfig(hidden=32, embed=16, layers=2, bidirectional=True, optimizer="sgd")
    assert training_bytes(sgd) < training_bytes(config)


def test_the_estimate_grows_with_every_size():
    base = TrainConfig()
    for change in ({"hidden": 128}, {"batch_size": 64}, {"max_len": 40}, {"layers": 2}):
        assert training_bytes(TrainConfig(**change)) > training_bytes(base), change
    assert bench_bytes(BenchConfig(max_len=200)) > bench_bytes(BenchConfig())


def test_free_memory_is_known_on_this_cpu():
    free = free_bytes(torch.device("cpu"))
    assert free is not None and free > 0


def test_check_fits_names_the_settings_the_need_and_whats_free():
    cpu = torch.device("cpu")
    check_fits(1, cpu, "tiny")
    with pytest.raises(MemoryLimitError, match=r"^hidden 9 needs about [\d.]+ [MG]B but cpu has"):
        check_fits(2**60, cpu, "hidden 9")


def test_a_trainer_too_large_for_memory_is_refused_before_building_the_model():
    config = TrainConfig(embed=4096, hidden=4096, layers=8, batch_size=1024, max_len=4096)
    with pytest.raises(MemoryLimitError, match="embed 4096, hidden 4096, layers 8"):
        Trainer(config)


def test_a_bench_too_large_for_memory_is_refused_before_the_pool():
    config = BenchConfig(device="cpu", hidden=4096, batch_size=1024, max_len=4096, buckets=64)
    with pytest.raises(MemoryLimitError, match="buckets 64, max_len 4096"):
        measure(config)
