"""The training worker process: the selected runs' core Trainers, interleaved step by step.

One process trains every run of a session: a round is one step of each active run, so the runs
advance together and compete for nothing but the CPU they share. The runs are comparable
because the core makes them so: Trainers with the same seed draw the same batches and start
from the same weights whatever their mode. Between rounds the worker reads every waiting
command, so pause, step, learning-rate changes and quit take effect after at most one round.

Commands (parent -> worker):
    ("configure", generation, [config dict, ...])   fresh Trainers (TrainConfig.to_dict() each)
    ("run",) | ("pause",)                           train continuously | hold
    ("step",)                                       one step of every active run, also paused
    ("set_lr", lr)                                  every run, from its next step on
    ("hidden", request_id, sequences, run, config)  the hidden-state truth for `sequences`, with
                                                    run `run`'s current weights, or the initial
                                                    weights of `config` when run is None
    ("quit",)
Messages (worker -> parent):
    ("configured", generation, [device, ...])
    ("records", generation, [(run, values, steps_per_s, done_at), ...])   one per round; values
                                                    in CURVE_FIELDS order, done_at in
                                                    time.perf_counter() seconds (system-wide)
    ("fault", generation, run, kind, message)       that run stopped; kind: non-finite,
                                                    out-of-memory or error
    ("finished", generation)                        no run has steps left to do
    ("error", generation, message)                  a configuration the core refused
    ("hidden", request_id, arrays or None, error message or None)
    ("crash", traceback text)                       the worker itself failed and exits
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import Any

from padviz.core.curves import CURVE_FIELDS
from padviz.runner.process import run_worker
from padviz.runner.rate import RateMeter


def serve(conn: Connection, threads: int | None = None) -> None:
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
    def __init__(self, conn: Connection) -> None:
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

    def handle(self, message: tuple[Any, ...]) -> bool:
        """Act on one command; False means quit."""
        kind = message[0]
        if kind == "quit":
            return False
        if kind == "configure":
            self.configure(message[1], message[2])
        elif kind == "run":
            self.running = True
            for rate in self.rates:
                rate.reset()
        elif kind == "pause":
            self.running = False
        elif kind == "step":
            if any(self.active):
                self.round()
        elif kind == "set_lr":
            for trainer in self.trainers:
                trainer.set_lr(message[1])
        elif kind == "hidden":
            self.hidden(*message[1:])
        else:
            raise ValueError(f"unknown command {kind!r}")
        return True

    def configure(self, generation: int, configs: list[dict[str, Any]]) -> None:
        from padviz.core.training import TrainConfig, Trainer

        self.generation = generation
        self.running = False
        self.trainers, self.active, self.rates = [], [], []
        try:
            trainers = [Trainer(TrainConfig.from_dict(config)) for config in configs]
        except Exception as exc:
            self.conn.send(("error", generation, f"{exc}"))
            return
        self.trainers = trainers
        self.active = [True] * len(trainers)
        self.rates = [RateMeter() for _ in trainers]
        self.conn.send(("configured", generation, [str(t.device) for t in trainers]))

    def round(self) -> None:
        """One step of every active run; their records go out as one message, then any fault."""
        import torch

        from padviz.core.training import DeviceOutOfMemoryError, NonFiniteLossError

        records, faults = [], []
        for run, trainer in enumerate(self.trainers):
            if not self.active[run]:
                continue
            try:
                record = trainer.step()
            except NonFiniteLossError as exc:
                faults.append((run, "non-finite", str(exc)))
            except (DeviceOutOfMemoryError, torch.OutOfMemoryError) as exc:
                faults.append((run, "out-of-memory", str(exc) or "out of memory"))
            except Exception as exc:
                text = f"step {trainer.step_count + 1}: {type(exc).__name__}: {exc}"
                faults.append((run, "error", text))
            else:
                done_at = time.perf_counter()
                values = tuple(getattr(record, name) for name in CURVE_FIELDS)
                records.append((run, values, self.rates[run].tick(done_at), done_at))
                if trainer.step_count >= trainer.config.steps:
                    self.active[run] = False
                continue
            self.active[run] = False
        if records:
            self.conn.send(("records", self.generation, records))
        for fault in faults:
            self.conn.send(("fault", self.generation, *fault))
        if not any(self.active):
            self.running = False
            self.conn.send(("finished", self.generation))

    def hidden(
        self, request_id: int, sequences: list[list[int]], run: int | None, config: dict
    ) -> None:
        from padviz.core.hidden_truth import hidden_truth
        from padviz.core.training import TrainConfig, build_model

        try:
            if run is not None and run < len(self.trainers):
                model = self.trainers[run].model
            else:
                model = build_model(TrainConfig.from_dict(config))
            arrays = hidden_truth(model, sequences)
        except Exception as exc:
            self.conn.send(("hidden", request_id, None, f"{type(exc).__name__}: {exc}"))
            return
        self.conn.send(("hidden", request_id, arrays, None))
