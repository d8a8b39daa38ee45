"""Runner tests: real worker processes, tiny CPU models; nothing may outlive a test."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from typing import Protocol, TypeVar

import pytest

from padviz.runner.messages import Records, Report, RunStep, Synced

TINY = {"embed": 4, "hidden": 8, "batch_size": 4, "max_len": 6, "device": "cpu", "num_threads": 1}
R = TypeVar("R", bound=Report)


class Client(Protocol):
    def poll(self) -> list[Report]: ...
    def sync(self) -> int: ...


def tiny(mode: str, **overrides: object) -> dict[str, object]:
    return {**TINY, "mode": mode, **overrides}


def collect(
    poll: Callable[[], list[Report]], until: Callable[[list[Report]], bool], timeout: float = 60.0
) -> list[Report]:
    """Poll until `until(reports so far)` holds; fail the test after `timeout` seconds."""
    reports: list[Report] = []
    deadline = time.monotonic() + timeout
    while not until(reports):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting; got {[type(m).__name__ for m in reports]}")
        reports += poll()
        time.sleep(0.01)
    return reports


def synced(client: Client) -> list[Report]:
    """Everything the worker sends until it has handled every command sent so far."""
    token = client.sync()
    reports = collect(client.poll, lambda ms: Synced(token) in ms)
    return reports[: reports.index(Synced(token))]


def of_type(reports: list[Report], kind: type[R]) -> list[R]:
    return [m for m in reports if isinstance(m, kind)]


def steps(reports: list[Report]) -> list[RunStep]:
    """The RunSteps of every Records report, in order."""
    return [s for m in of_type(reports, Records) for s in m.steps]


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """A test ends every worker it started (module-scoped fixtures' workers excepted)."""
    before = set(multiprocessing.active_children())
    yield
    leftovers = set(multiprocessing.active_children()) - before
    assert not leftovers, f"worker processes left running: {leftovers}"
