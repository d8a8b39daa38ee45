"""The training worker process: the selected runs' core Trainers, interleaved step by step.

One process trains every run of a session: a round is one step of each active run, so the runs
advance together and compete for nothing but the CPU they share. The runs are comparable
because the core makes them so: Trainers with the same seed draw the same batches and start
from the same weights whatever their mode. Between rounds the worker reads every waiting
command, so pause, step, learning-rate changes and quit take effect after at most one round.

The commands and reports are padviz.runner.messages' (its docstring is the protocol); every
command is acknowledged once handled, so a caller can tell "paused" from "not yet paused".
"""

from __future__ import annotations

import time
from typing import Any

from padviz.core.curves import CURVE_FIELDS
from padviz.runner.messages import (
    Acked,
    Command,
    ConfigRefused,
    Configure,
    Configured,
    Fault,
    Finished,
    HiddenAnswer,
    Pause,
    Quit,
    Records,
    RequestHidden,
    Run,
    RunStep,
    SetLr,
    Step,
    Sync,
    Synced,
)
from padviz.runner.process import Channel, run_worker
from padviz.runner.rate import RateMeter


def serve(conn: Channel, threads: int | None = None) -> None:
    """The worker's entry point (runs in the child process)."""

    def body() -> None:
        import torch

        if threads is not None:
            torch.set_num_threads(threads)
        _TrainingLoop(conn).serve()

    run_worker(conn, body)


def _warm_up() -> None:
    """Build and drop an optimizer while nothing is asked of the worker: torch's first one
    imports torch._dynamo, seconds better spent before the user presses Start than after."""
    import torch

    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)


class _TrainingLoop:
    def __init__(self, conn: Channel) -> None:
        self.conn = conn
        self.generation = 0
        self.trainers: list[Any] = []
        self.active: list[bool] = []
        self.rates: list[RateMeter] = []
        self.running = False
        self.warmed = False

    def serve(self) -> None:
        while True:
            if self.running and any(self.active):
                while self.conn.poll():
                    if not self.handle(self.conn.recv()):
                        return
                if self.running:
                    self.round()
            elif not self.warmed and not self.conn.poll():
                _warm_up()
                self.warmed = True
            elif not self.handle(self.conn.recv()):
                return

    def handle(self, command: Command) -> bool:
        """Act on one command and acknowledge it; False means quit."""
        match command:
            case Quit():
                return False
            case Sync(token):
                self.conn.send(Synced(token))
                return True
            case Configure(generation, configs):
                self.configure(generation, configs)
            case Run():
                self.running = True
                for rate in self.rates:
                    rate.reset()
            case Pause():
                self.running = False
            case Step():
                if any(self.active):
                    self.round()
            case SetLr(lr):
                for trainer in self.trainers:
                    trainer.set_lr(lr)
            case RequestHidden():
                self.hidden(command)
            case _:
                raise ValueError(f"unknown command {command!r}")
        self.conn.send(Acked.of(command))
        return True

    def configure(self, generation: int, configs: tuple[dict[str, Any], ...]) -> None:
        from padviz.core.devices import resolve_device
        from padviz.core.memory import check_training
        from padviz.core.training import TrainConfig, Trainer

        self.generation = generation
        self.running = False
        self.trainers, self.active, self.rates = [], [], []
        try:
            parsed = [TrainConfig.from_dict(dict(config)) for config in configs]
            if parsed:  # the runs share this process: together they must fit
                check_training(parsed, resolve_device(parsed[0].device))
            trainers = [Trainer(config) for config in parsed]
        except Exception as exc:
            self.conn.send(ConfigRefused(generation, f"{exc}"))
            return
        self.trainers = trainers
        self.active = [True] * len(trainers)
        self.rates = [RateMeter() for _ in trainers]
        self.conn.send(Configured(generation, tuple(str(t.device) for t in trainers)))

    def round(self) -> None:
        """One step of every active run; their records go out as one message, then any fault."""
        import torch

        from padviz.core.training import DeviceOutOfMemoryError, NonFiniteLossError

        steps: list[RunStep] = []
        faults: list[Fault] = []
        for run, trainer in enumerate(self.trainers):
            if not self.active[run]:
                continue
            try:
                record = trainer.step()
            except NonFiniteLossError as exc:
                faults.append(Fault(self.generation, run, "non-finite", str(exc)))
            except (DeviceOutOfMemoryError, torch.OutOfMemoryError) as exc:
                text = str(exc) or "out of memory"
                faults.append(Fault(self.generation, run, "out-of-memory", text))
            except Exception as exc:
                text = f"step {trainer.step_count + 1}: {type(exc).__name__}: {exc}"
                faults.append(Fault(self.generation, run, "error", text))
            else:
                done_at = time.perf_counter()
                values = tuple(getattr(record, name) for name in CURVE_FIELDS)
                steps.append(RunStep(run, values, self.rates[run].tick(done_at), done_at))
                if trainer.step_count >= trainer.config.steps:
                    self.active[run] = False
                continue
            self.active[run] = False
        if steps:
            self.conn.send(Records(self.generation, tuple(steps)))
        for fault in faults:
            self.conn.send(fault)
        if not any(self.active):
            self.running = False
            self.conn.send(Finished(self.generation))

    def hidden(self, request: RequestHidden) -> None:
        from padviz.core.hidden_truth import hidden_truth
        from padviz.core.training import TrainConfig, build_model

        try:
            if request.run is not None and request.run < len(self.trainers):
                model = self.trainers[request.run].model
            else:
                model = build_model(TrainConfig.from_dict(dict(request.config)))
            arrays = hidden_truth(model, request.sequences)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            self.conn.send(HiddenAnswer(request.request_id, None, error))
            return
        self.conn.send(HiddenAnswer(request.request_id, arrays, None))
