"""`--remote DEST` / `--remote-command CMD` for `padviz train` and `padviz bench`.

The run happens in `padviz worker --stdio` on the other machine (padviz.runner.remote); this
side writes exactly what a local run writes: the same CSV rows (StepRecord's columns, the
remote's numbers), the same bench JSON and table. Settings are validated here first, so a typo
is one line before any connection; the remote refuses what only it can know (its devices,
its memory) with the same messages and exit code 2. A connection that fails or drops, a
worker crash and an out-of-memory step are exit code 1 with the reason, the remote's stderr
included.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING, Any

from padviz.core.errors import PadvizError

if TYPE_CHECKING:
    from padviz.core.bench import BenchConfig
    from padviz.core.training import StepRecord, TrainConfig
    from padviz.runner.messages import Report
    from padviz.runner.remote import RemoteHandle, RemoteTarget
    from padviz.runner.training_client import TrainingClient

IDLE_S = 0.005  # between polls that brought nothing


class RemoteRefused(PadvizError):
    """A setting the remote worker refused (its devices, its memory): exit code 2."""


class RemoteRunError(Exception):
    """The remote run could not go on (connection, crash, out of memory): exit code 1."""


def add_remote_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--remote",
        metavar="USER@HOST",
        help="run on this ssh destination (ssh USER@HOST padviz worker --stdio; it must log "
        "in without a prompt: a key or ssh-agent)",
    )
    p.add_argument(
        "--remote-command",
        metavar="CMD",
        help="the command that starts `padviz worker --stdio`: with --remote, what ssh runs "
        "there (a venv's padviz); alone, the whole transport (srun --gres=gpu:1 padviz worker "
        "--stdio, docker exec -i NAME ..., kubectl exec -i POD -- ...)",
    )


def remote_from_args(args: argparse.Namespace) -> RemoteTarget | None:
    """The target the flags name, or None for a local run (RemoteError for a bad one)."""
    from padviz.runner.remote import remote_target

    if args.remote is None and args.remote_command is None:
        return None
    return remote_target(args.remote, args.remote_command)


def train_remotely(config: TrainConfig, target: RemoteTarget, csv_path: str) -> int:
    """`padviz train` on `target`: the CSV and the progress bar of a local run."""
    from padviz.commands.train import CsvFile, Progress
    from padviz.core.training import RECORD_FIELDS

    try:
        with RemoteTrainer(config, target) as trainer:  # connected and configured
            progress = Progress(config, sys.stderr)
            with CsvFile(csv_path, RECORD_FIELDS) as out:
                try:
                    for record in trainer:
                        out.write(record.to_dict())
                        progress.update(record)
                finally:
                    progress.finish()
    except RemoteRunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


class RemoteTrainer:
    """One run in a remote training worker, iterated like a core Trainer: StepRecords."""

    def __init__(self, config: TrainConfig, target: RemoteTarget) -> None:
        from padviz.runner.messages import ConfigRefused, Configured
        from padviz.runner.training_client import TrainingClient

        self.config = config
        self.client: TrainingClient = TrainingClient(remote=target)
        self._reports = _reports(self.client.poll)
        try:
            self.client.configure([config.to_dict()])
            answer = next(r for r in self._reports if isinstance(r, (Configured, ConfigRefused)))
            if isinstance(answer, ConfigRefused):
                raise RemoteRefused(f"on {_host(self.client.remote)}: {answer.message}")
        except BaseException:
            self.client.stop()
            raise
        self.device = answer.devices[0]

    def __iter__(self) -> Iterator[StepRecord]:
        from padviz.core.curves import CURVE_FIELDS
        from padviz.core.training import StepRecord
        from padviz.runner.messages import Fault, Finished, Records

        self.client.run()
        for report in self._reports:
            if isinstance(report, Records):
                for step in report.steps:
                    values = dict(zip(CURVE_FIELDS, step.values, strict=True))
                    yield StepRecord(**values, mode=self.config.mode, device=self.device)
            elif isinstance(report, Fault):
                if report.kind == "non-finite":  # bad settings, as NonFiniteLossError is
                    raise RemoteRefused(report.message)
                raise RemoteRunError(report.message)
            elif isinstance(report, Finished):
                return

    def __enter__(self) -> RemoteTrainer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.client.stop()


def bench_remotely(
    config: BenchConfig, target: RemoteTarget, progress: Callable[[Any, float], None]
) -> dict[str, Any]:
    """Measure `config` on `target`: BenchResult.to_dict() of the remote's measurement."""
    from padviz.runner.bench_client import BenchClient
    from padviz.runner.messages import BenchDone, BenchRefused, Progress

    client = BenchClient(dataclasses.asdict(config), remote=target)
    try:
        reports = _reports(client.poll)
        while not isinstance(report := next(reports), BenchDone):
            if isinstance(report, Progress):
                progress(report.row, report.fraction)
            elif isinstance(report, BenchRefused):
                raise RemoteRefused(f"on {_host(client.remote)}: {report.message}")
        return report.result
    finally:
        client.stop()


def _reports(poll: Callable[[], list[Report]]) -> Iterator[Report]:
    """Every report, one at a time, as they come; raises RemoteRunError at a crash or the end
    of the connection."""
    while True:
        batch = poll()
        if not batch:
            time.sleep(IDLE_S)
        for report in batch:
            _check(report)
            yield report


def _host(handle: RemoteHandle | None) -> str:
    return handle.host if handle is not None else "the remote"


def _check(report: Report) -> None:
    """Raise for a report that ends the run (a crash, a lost connection)."""
    from padviz.runner.messages import Crash, Died, Lost

    if isinstance(report, Lost):
        raise RemoteRunError(report.message)
    if isinstance(report, Crash):
        raise RemoteRunError(f"the remote worker failed: {report.last_line}")
    if isinstance(report, Died):
        raise RemoteRunError(f"the remote worker stopped (exit code {report.exitcode})")
