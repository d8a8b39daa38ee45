"""Every message between the GUI process and a worker process: one frozen dataclass per kind.

A worker is started with its arguments (`WorkerHandle(target, *args)`); after that the parent
sends Commands and the worker sends Reports over one pipe. Every field is plain-picklable
(numbers, strings, tuples, dicts of those, numpy arrays), so the parent never unpickles a torch
object and never needs torch. Readers dispatch on the class (`isinstance`, `match`), never on
positions.

Both workers
    Sync(token)            -> Synced(token) once every earlier command is handled and all it
                              caused has been sent: a barrier ("nothing else is on its way")
    Quit()                 the worker ends between two steps and exits 0; nothing answers
    any other command      -> Acked(command name) once it is handled and its output sent
    Crash(traceback)       the worker itself failed; it exits with code 1
    Died(exitcode)         made by the parent's WorkerHandle, never sent: the worker ended
                           without being asked (a crash, a kill)

Training worker (padviz.runner.training_worker; no start arguments but torch's thread count)
    Configure(generation, configs)  fresh, paused runs (TrainConfig.to_dict() each)
                                    -> Configured(generation, devices)
                                    or ConfigRefused(generation, message)
    Run() | Pause()                 train continuously | hold
    Step()                          one round (a step of every active run), also while paused
    SetLr(lr)                       every run, from its next step on
    RequestHidden(request_id, sequences, run, config)
                                    -> HiddenAnswer(request_id, arrays, error): the hidden-state
                                    truth with run `run`'s current weights, or the initial
                                    weights of `config` when run is None
  and one round at a time, while running or after a Step:
    Records(generation, steps)      one RunStep per active run that stepped
    Fault(generation, run, kind, message)  that run stopped; kind: non-finite, out-of-memory
                                    or error
    Finished(generation)            no run has steps left to do
  Reports of a session (SessionReport) carry its generation, so a client can drop those of a
  session it has replaced.

Bench worker (padviz.runner.bench_worker; started with a BenchConfig dict, measures at once and
reads commands between rounds)
    StopMeasuring()                 end after the current round, keeping the rows so far; its
                                    Acked follows the (interrupted) BenchDone
    Progress(fraction, row)         after every round; row is the finished pad ratio or None
    BenchDone(result)               BenchResult.to_dict(); then the worker waits for Quit
    BenchRefused(message)           a setting the core refused; then it waits for Quit

The stdio transport (`padviz worker --stdio`, padviz.runner.stdio_worker; the parent's side is
padviz.runner.remote). The same messages travel as one JSON object per line on the worker's
stdin (Commands) and stdout (Reports): {"type": "<class name>", <field>: <value>, ...}, every
field present, nothing else; tuples as arrays, numpy arrays as {"dtype", "shape", "data"
(base64)}. padviz.runner.json_codec checks each line against its dataclass (names, types,
sizes) before anything is done with it; no pickle, nothing is ever executed or imported.
    Hello(protocol, padviz_version, torch_version, hostname, devices)
                                    the worker's first line, once torch is loaded
    Begin(protocol, padviz_version, role, bench_config)
                                    the parent's first command: role "training" (then the
                                    training worker's protocol) or "bench" (a BenchConfig dict,
                                    then the bench worker's); Quit instead ends a probe
    Ping(token) -> Pong(token)      answered at once, between or during steps: the latency
    ProtocolError(message)          a line the worker could not take (malformed, unknown,
                                    oversized, out of turn); it carries on. After a Begin of
                                    another protocol it ends (exit code 3).
    Lost(exitcode, message)         made by the parent's RemoteHandle, never sent (a Died):
                                    the connection could not start, spoke another protocol or
                                    ended without being asked; the message has the remote's
                                    stderr
  Closing the worker's stdin ends it, as Quit does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from padviz.core.curves import CURVE_FIELDS


@dataclass(frozen=True)
class Command:
    """Parent -> worker."""


@dataclass(frozen=True)
class Report:
    """Worker -> parent (or, for Died, the parent's handle about the worker)."""


# -- both workers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sync(Command):
    token: int


@dataclass(frozen=True)
class Quit(Command):
    pass


@dataclass(frozen=True)
class Synced(Report):
    token: int


@dataclass(frozen=True)
class Acked(Report):
    command: str  # the command's class name, e.g. "Pause"

    @classmethod
    def of(cls, command: Command) -> Acked:
        return cls(type(command).__name__)


@dataclass(frozen=True)
class Crash(Report):
    traceback: str

    @property
    def last_line(self) -> str:
        """The exception itself (the traceback's last line)."""
        lines = self.traceback.strip().splitlines()
        return lines[-1] if lines else "unknown error"


@dataclass(frozen=True)
class Died(Report):
    exitcode: int | None


# -- training worker ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Configure(Command):
    generation: int
    configs: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Run(Command):
    pass


@dataclass(frozen=True)
class Pause(Command):
    pass


@dataclass(frozen=True)
class Step(Command):
    pass


@dataclass(frozen=True)
class SetLr(Command):
    lr: float


@dataclass(frozen=True)
class RequestHidden(Command):
    request_id: int
    sequences: tuple[tuple[int, ...], ...]
    run: int | None
    config: dict[str, Any]


@dataclass(frozen=True)
class SessionReport(Report):
    """A report about one training session (one Configure)."""

    generation: int


@dataclass(frozen=True)
class Configured(SessionReport):
    devices: tuple[str, ...]  # one per run


@dataclass(frozen=True)
class ConfigRefused(SessionReport):
    message: str


@dataclass(frozen=True)
class RunStep:
    """One step of one run: its CURVE_FIELDS values, the run's steps/s, and when it finished
    (time.perf_counter() seconds, which is system-wide)."""

    run: int
    values: tuple[float | None, ...]
    steps_per_s: float
    done_at: float

    def value(self, name: str) -> float | None:
        return self.values[CURVE_FIELDS.index(name)]


@dataclass(frozen=True)
class Records(SessionReport):
    steps: tuple[RunStep, ...]


@dataclass(frozen=True)
class Fault(SessionReport):
    run: int
    kind: str  # "non-finite", "out-of-memory" or "error"
    message: str  # names the step


@dataclass(frozen=True)
class Finished(SessionReport):
    pass


@dataclass(frozen=True)
class HiddenAnswer(Report):
    request_id: int
    arrays: dict[str, np.ndarray] | None  # padviz.core.hidden_truth.hidden_truth's result
    error: str | None


# -- bench worker ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StopMeasuring(Command):
    pass


@dataclass(frozen=True)
class Progress(Report):
    fraction: float  # of the whole measurement, 0..1
    row: dict[str, Any] | None  # BenchRow.to_dict() when a pad ratio is done


@dataclass(frozen=True)
class BenchDone(Report):
    result: dict[str, Any]  # BenchResult.to_dict()


@dataclass(frozen=True)
class BenchRefused(Report):
    message: str


# -- the stdio transport (padviz worker --stdio) -------------------------------------------------

PROTOCOL_VERSION = 1  # raise it with every change to a message a remote worker exchanges


@dataclass(frozen=True)
class RemoteDevice:
    """A device of the remote machine: padviz.core.devices' id and name, and its memory."""

    id: str
    name: str
    memory_mb: float | None  # the GPU's total memory, or the machine's RAM for the CPU


@dataclass(frozen=True)
class Hello(Report):
    protocol: int
    padviz_version: str
    torch_version: str
    hostname: str
    devices: tuple[RemoteDevice, ...]


@dataclass(frozen=True)
class Begin(Command):
    protocol: int
    padviz_version: str
    role: str  # "training" or "bench"
    bench_config: dict[str, Any] | None  # the bench's BenchConfig dict; None for training


@dataclass(frozen=True)
class Ping(Command):
    token: int


@dataclass(frozen=True)
class Pong(Report):
    token: int


@dataclass(frozen=True)
class ProtocolError(Report):
    message: str


@dataclass(frozen=True)
class Lost(Died):
    message: str
