"""The worker's loop in-process, with stand-in trainers: faults that CPU runs cannot provoke."""

from __future__ import annotations

import torch

from padviz.core.curves import CURVE_FIELDS
from padviz.core.training import TrainConfig, Trainer
from padviz.runner.messages import Acked, Fault, Pause, Quit, Records, Report, Sync, Synced
from padviz.runner.rate import RateMeter
from padviz.runner.training_worker import _TrainingLoop


class Pipe:
    def __init__(self) -> None:
        self.sent: list[Report] = []

    def send(self, message: Report) -> None:
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
    assert isinstance(records, Records) and [s.run for s in records.steps] == [1]
    assert len(records.steps[0].values) == len(CURVE_FIELDS)
    assert isinstance(fault, Fault)
    assert (fault.generation, fault.run, fault.kind) == (7, 0, "out-of-memory")
    assert "out of memory" in fault.message
    assert loop.active == [False, True]


def test_commands_are_acknowledged_sync_is_answered_and_quit_is_not() -> None:
    pipe = Pipe()
    loop = _TrainingLoop(pipe)
    assert loop.handle(Pause()) and loop.handle(Sync(5))
    assert not loop.handle(Quit())
    assert pipe.sent == [Acked("Pause"), Synced(5)]


def test_rate_meter_counts_events_per_second_over_its_window() -> None:
    meter = RateMeter(window=1.0)
    assert meter.tick(10.0) == 0.0
    assert meter.tick(10.5) == 2.0
    for t in (11.0, 11.5, 12.0, 12.5):
        rate = meter.tick(t)
    assert rate == 2.0
    meter.reset()
    assert meter.tick(20.0) == 0.0
