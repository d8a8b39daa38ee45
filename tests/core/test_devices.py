"""The one device resolver, as training and the bench both use it; no GPU needed."""

from __future__ import annotations

import pytest
import torch

from padviz.core.bench import BenchConfig, measure
from padviz.core.devices import DeviceError, available_devices, resolve_device
from padviz.core.training import TrainConfig, Trainer

SMALL_TRAIN = {"embed": 8, "hidden": 16, "batch_size": 8, "max_len": 9, "steps": 4}
SMALL_BENCH = {"hidden": 4, "batch_size": 4, "max_len": 8, "features": 4, "warmup": 0, "reps": 1}
UNKNOWN = "use one of auto, cpu, cuda, cuda:N, mps (present here: cpu"


@pytest.fixture
def cpu_only(monkeypatch):
    """A machine with neither CUDA nor MPS, whatever this one has."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_the_cpu_is_always_available_with_a_name() -> None:
    devices = available_devices()
    assert devices[0].id == "cpu" and devices[0].name
    assert resolve_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(
    torch.cuda.is_available() or torch.backends.mps.is_available(), reason="an accelerator is here"
)
def test_auto_is_the_cpu_here() -> None:
    assert resolve_device("auto") == torch.device("cpu")


def test_auto_picks_the_cpu_when_nothing_else_is_present(cpu_only) -> None:
    assert resolve_device("auto") == torch.device("cpu")
    assert Trainer(TrainConfig(**SMALL_TRAIN, device="auto")).step().device == "cpu"


@pytest.mark.parametrize("spec", ["cuda", "cuda:0", "cuda:1", "mps"])
def test_an_absent_device_is_refused_naming_it_and_what_is_present(cpu_only, spec) -> None:
    with pytest.raises(DeviceError) as refused:
        resolve_device(spec)
    assert str(refused.value) == (
        f"device '{spec}' is not available here; available: cpu ({available_devices()[0].name})"
    )


def test_a_cuda_index_past_the_last_device_is_refused() -> None:
    spec = f"cuda:{torch.cuda.device_count()}"  # one past the last, with or without CUDA
    with pytest.raises(DeviceError, match=f"device '{spec}' is not available here"):
        resolve_device(spec)


@pytest.mark.parametrize("spec", ["cuda:x", "tpu", "gpu", "CPU", "cuda:", "cuda:-1", ""])
def test_a_name_that_is_no_device_is_refused(cpu_only, spec) -> None:
    with pytest.raises(DeviceError) as refused:
        resolve_device(spec)
    assert str(refused.value).startswith(f"unknown device {spec!r}; {UNKNOWN}")


@pytest.mark.parametrize("spec", ["cuda:1", "cuda:x", "tpu"])
def test_training_and_the_bench_refuse_a_device_with_the_same_message(cpu_only, spec) -> None:
    with pytest.raises(DeviceError) as training:
        Trainer(TrainConfig(**SMALL_TRAIN, device=spec))
    with pytest.raises(DeviceError) as bench:
        measure(BenchConfig(**SMALL_BENCH, device=spec))
    assert str(training.value) == str(bench.value) and repr(spec) in str(bench.value)


def test_the_bench_measures_on_the_device_it_is_given() -> None:
    result = measure(BenchConfig(**SMALL_BENCH, device="cpu", pad_ratios=(0.5,)))
    assert result.device == "cpu" and result.device_name.startswith("cpu (")
