"""The worker's loop in-process, with stand-in trainers: faults that CPU runs cannot provoke."""

from __future__ import annotations

import torch

from padviz.core.curves import CURVE_FIELDS
from padviz.core.training import TrainConfig, Trainer
from padviz.runner.rate import RateMeter
from padviz.runner.training_worker import _TrainingLoop


class Pipe:
    def __init__(self) -> None:
        self.sent: list[tuple] = []

    def send(self, message: tuple) -> None:
        self.sent.append(message)


class OutOfMemoryTrainer:
    step_count = 4

    def step(self):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")


def test_out_of_memory_stops_only_that_run_with_a_message() -> None:
    pipe = Pipe()
    loop = _TrainingLoop(pipe)
    good = Trainer(
        TrainConfig(mode="packed", steps=5, hidden=4, embed=4, batch_size=2, device="cpu")
    )
    loop.trainers, loop.active = [OutOfMemoryTrainer(), good], [True, True]
    loop.rates = [RateMeter(), RateMeter()]
    loop.generation = 7
    loop.round()
    (records, fault) = pipe.sent
    assert records[0] == "records" and [r[0] for r in records[2]] == [1]
    assert len(records[2][0][1]) == len(CURVE_FIELDS)
    assert fault[:4] == ("fault", 7, 0, "out-of-memory") and "out of memory" in fault[4]
    assert loop.active == [False, True]


def test_rate_meter_counts_events_per_second_over_its_window() -> None:
    meter = RateMeter(window=1.0)
    assert meter.tick(10.0) == 0.0
    assert meter.tick(10.5) == 2.0
    for t in (11.0, 11.5, 12.0, 12.5):
        rate = meter.tick(t)
    assert rate == 2.0
    meter.reset()
    assert meter.tick(20.0) == 0.0
