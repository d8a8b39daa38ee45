"""Which torch devices are present, and turning a device name into one that surely exists.

The one resolver for every command and worker: `padviz train`, `padviz bench`, the training
runs and the bench measurement all accept the same names (DEVICE_SPECS) and refuse an absent
device with the same message. torch is imported only when a device is listed or resolved, so
the command line can name the choices without loading it.
"""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from padviz.core.errors import PadvizError

if TYPE_CHECKING:
    import torch

DEVICE_SPECS = ("auto", "cpu", "cuda", "cuda:N", "mps")
DEVICE_METAVAR = "|".join(DEVICE_SPECS)


class DeviceError(PadvizError):
    """A device that is not present here, or a name that is not a device."""


@dataclass(frozen=True)
class DeviceInfo:
    id: str  # "cpu", "cuda:0", "cuda:1", ..., "mps"
    name: str


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "CPU"


def _mps_available() -> bool:
    import torch

    mps = getattr(torch.backends, "mps", None)
    return bool(mps and mps.is_available())


def available_devices() -> list[DeviceInfo]:
    """The devices present: the CPU first, then every CUDA device, then MPS."""
    import torch

    devices = [DeviceInfo("cpu", _cpu_name())]
    if torch.cuda.is_available():
        devices += [
            DeviceInfo(f"cuda:{i}", torch.cuda.get_device_name(i))
            for i in range(torch.cuda.device_count())
        ]
    if _mps_available():
        devices.append(DeviceInfo("mps", "Apple Metal (MPS)"))
    return devices


def resolve_device(spec: str) -> torch.device:
    """Turn "auto", "cpu", "cuda", "cuda:N" or "mps" into a device that is present, or raise
    DeviceError naming `spec` and what is present.

    auto picks CUDA (device 0) when present, else MPS, else the CPU; "cuda" means cuda:0.
    """
    import torch

    present = available_devices()
    ids = [d.id for d in present]
    if spec == "auto":
        chosen = next((i for i in ids if i != "cpu"), "cpu")
    elif spec == "cuda":
        chosen = "cuda:0"
    elif isinstance(spec, str) and re.fullmatch(r"cpu|mps|cuda:\d+", spec):
        chosen = spec
    else:
        raise DeviceError(
            f"unknown device {spec!r}; use one of {', '.join(DEVICE_SPECS)} "
            f"(present here: {', '.join(ids)})"
        )
    if chosen not in ids:
        listing = ", ".join(f"{d.id} ({d.name})" for d in present)
        raise DeviceError(f"device {spec!r} is not available here; available: {listing}")
    return torch.device(chosen)
