"""Runner tests: real worker processes, tiny CPU models; nothing may outlive a test."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable

import pytest

from padviz.runner.process import Message

TINY = {"embed": 4, "hidden": 8, "batch_size": 4, "max_len": 6, "device": "cpu", "num_threads": 1}


def tiny(mode: str, **overrides: object) -> dict[str, object]:
    return {**TINY, "mode": mode, **overrides}


def collect(
    poll: Callable[[], list[Message]], until: Callable[[list[Message]], bool], timeout: float = 60.0
) -> list[Message]:
    """Poll until `until(messages so far)` holds; fail the test after `timeout` seconds."""
    messages: list[Message] = []
    deadline = time.monotonic() + timeout
    while not until(messages):
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting; got {[m[0] for m in messages]}")
        messages += poll()
        time.sleep(0.01)
    return messages


def kinds(messages: list[Message], kind: str) -> list[Message]:
    return [m for m in messages if m[0] == kind]


@pytest.fixture(autouse=True)
def no_leftover_processes():
    """A test ends every worker it started (module-scoped fixtures' workers excepted)."""
    before = set(multiprocessing.active_children())
    yield
    leftovers = set(multiprocessing.active_children()) - before
    assert not leftovers, f"worker processes left running: {leftovers}"
