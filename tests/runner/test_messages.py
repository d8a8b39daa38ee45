"""The message classes: one frozen, plain-picklable dataclass per kind, each documented."""

from __future__ import annotations

import dataclasses
import inspect
import pickle

import numpy as np
import pytest

from padviz.core.curves import CURVE_FIELDS
from padviz.runner import messages
from padviz.runner.messages import (
    Acked,
    Begin,
    BenchDone,
    BenchRefused,
    Command,
    ConfigRefused,
    Configure,
    Configured,
    Crash,
    Died,
    Fault,
    Finished,
    Hello,
    HiddenAnswer,
    Lost,
    Pause,
    Ping,
    Pong,
    Progress,
    ProtocolError,
    Quit,
    Records,
    RemoteDevice,
    Report,
    RequestHidden,
    Run,
    RunStep,
    SessionReport,
    SetLr,
    Step,
    StopMeasuring,
    Sync,
    Synced,
)

EXAMPLES = [
    Sync(3),
    Quit(),
    Synced(3),
    Acked("Pause"),
    Crash("Traceback (most recent call last):\n  ...\nValueError: bad\n"),
    Died(-9),
    Configure(1, ({"mode": "packed", "steps": 3},)),
    Run(),
    Pause(),
    Step(),
    SetLr(0.01),
    RequestHidden(2, ((1, 2, 3), (4,)), None, {"mode": "packed"}),
    Configured(1, ("cpu",)),
    ConfigRefused(1, "lr must be a positive finite number, got -1"),
    Records(1, (RunStep(0, tuple(range(len(CURVE_FIELDS))), 12.5, 100.25),)),
    Fault(1, 0, "non-finite", "training stopped at step 3"),
    Finished(1),
    HiddenAnswer(2, {"packed": np.arange(6.0).reshape(2, 3)}, None),
    StopMeasuring(),
    Progress(0.5, {"pad_ratio": 0.2}),
    BenchDone({"rows": [], "interrupted": True}),
    BenchRefused("hidden 0 must be a whole number >= 1"),
    Hello(1, "0.1.0", "2.13.0", "gpu1", (RemoteDevice("cuda:0", "NVIDIA H200", 143000.0),)),
    Begin(1, "0.1.0", "bench", {"device": "cuda", "pad_ratios": [0.0, 0.5]}),
    Ping(4),
    Pong(4),
    ProtocolError("line ignored: a line that is not JSON"),
    Lost(255, "the connection to gpu1 was lost (exit code 255)"),
]


def kinds() -> set[type]:
    """Every concrete message class (the bases Command, Report, SessionReport excluded)."""
    return {
        cls
        for _, cls in inspect.getmembers(messages, inspect.isclass)
        if issubclass(cls, (Command, Report)) and cls not in (Command, Report, SessionReport)
    }


def test_every_kind_has_an_example_and_is_documented_in_the_protocol() -> None:
    assert {type(m) for m in EXAMPLES} == kinds()
    for cls in kinds():
        assert f"{cls.__name__}(" in messages.__doc__, cls.__name__


@pytest.mark.parametrize("message", EXAMPLES, ids=lambda m: type(m).__name__)
def test_messages_are_frozen_and_survive_pickling(message) -> None:
    assert dataclasses.is_dataclass(message)
    for field in dataclasses.fields(message):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(message, field.name, None)
    copy = pickle.loads(pickle.dumps(message))
    assert type(copy) is type(message)
    if isinstance(message, HiddenAnswer):
        np.testing.assert_array_equal(copy.arrays["packed"], message.arrays["packed"])
    else:
        assert copy == message


def test_the_small_helpers() -> None:
    assert Acked.of(Pause()) == Acked("Pause")
    assert Crash("Traceback ...\nValueError: bad\n").last_line == "ValueError: bad"
    step = RunStep(0, tuple(float(i) for i in range(len(CURVE_FIELDS))), 1.0, 2.0)
    assert step.value("step") == 0.0 and step.value("lr") == CURVE_FIELDS.index("lr")
    assert isinstance(Records(1, ()), SessionReport) and not isinstance(Synced(1), SessionReport)
