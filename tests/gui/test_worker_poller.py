"""WorkerPoller against real training workers: dispatch by type, Sync, Crash, Died, shutdown."""

from __future__ import annotations

import os
import signal

import pytest

from padviz.gui.worker_poller import WorkerPoller
from padviz.runner import training_worker
from padviz.runner.messages import (
    Command,
    Configured,
    Crash,
    Died,
    Finished,
    Records,
    Report,
    SessionReport,
)
from padviz.runner.process import WorkerHandle
from padviz.runner.training_client import TrainingClient
from tests.gui.training_helpers import WAIT_MS, tiny


@pytest.fixture
def poller(qtbot):
    p = WorkerPoller(10)
    yield p
    p.shutdown()


def test_reports_reach_the_handler_of_their_type_in_order(qtbot, poller) -> None:
    configured: list[Report] = []
    session: list[Report] = []
    poller.on(Configured, configured.append)
    poller.on(SessionReport, session.append)  # a base class takes the other session reports
    polls = []
    poller.polled.connect(lambda: polls.append(len(session)))
    client = TrainingClient(threads=1)
    poller.attach(client)
    assert poller.polling and poller.client is client
    client.configure([tiny(mode="packed", steps=2)])
    client.step()
    client.step()
    token = poller.sync()
    qtbot.waitUntil(lambda: poller.last_synced == token, timeout=WAIT_MS)
    assert [c.devices for c in configured] == [("cpu",)]
    assert [type(m) for m in session] == [Records, Records, Finished]
    assert [s.value("step") for m in session[:2] for s in m.steps] == [1, 2]
    assert polls and polls[-1] == len(session)  # polled comes after the poll's dispatch
    poller.shutdown()
    assert not poller.polling and poller.client is None and not client.alive


def test_a_crash_then_the_death_are_reported_and_the_worker_released(qtbot, poller) -> None:
    crashes: list[Crash] = []
    deaths: list[Died] = []
    poller.on(Crash, crashes.append)
    poller.on(Died, deaths.append)
    worker = WorkerHandle(training_worker.serve, 1)
    poller.attach(worker)
    worker.send(Command())  # a command no worker knows: the worker fails
    qtbot.waitUntil(lambda: bool(deaths), timeout=WAIT_MS)
    assert crashes[0].last_line == "ValueError: unknown command Command()"
    assert deaths == [Died(1)]
    assert not poller.polling and poller.client is None


def test_a_killed_worker_is_reported_once(qtbot, poller) -> None:
    deaths: list[Died] = []
    poller.on(Died, deaths.append)
    client = TrainingClient(threads=1)
    poller.attach(client)
    os.kill(client.pid, signal.SIGKILL)
    qtbot.waitUntil(lambda: bool(deaths), timeout=WAIT_MS)
    poller.poll()  # nothing more comes, nor a second Died
    assert deaths == [Died(-signal.SIGKILL)] and not poller.polling
    assert poller.sync() is None  # no worker to ask
