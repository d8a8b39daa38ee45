"""A training session as a JSON file: batch, layout options, training config, runs and curves.

Opening a saved session restores exactly what was saved: floats are written with Python's
shortest round-trip repr, missing values (NaN) as null.

Session JSON, version 1::

    {
      "format": "padviz-session",      required, exactly this string
      "version": 1,                    required, exactly 1
      "batch": {...},                  required: a padviz-batch object (padviz.core.batch)
      "options": {...},                required: LayoutOptions fields
      "training": {...},               required: TrainConfig fields except "mode" (seed included)
      "runs": ["packed", ...],         required: the selected modes, distinct, at least one
      "view": {"smoothing": 0.6, "log_y": false},    optional: how the curves were drawn
      "curves": {"packed": {...}},     optional: per run, columns of padviz.core.curves
      "faults": {"packed": "..."}      optional: per run, why it stopped early
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

from padviz.core import json_files
from padviz.core.batch import Batch, BatchError, from_json, to_json
from padviz.core.curves import Curves, CurvesError
from padviz.core.errors import PadvizError
from padviz.core.files import write_text_atomically
from padviz.core.models import ALL_MODES, check_model_mode
from padviz.core.options import LayoutError, LayoutOptions
from padviz.core.training import TrainConfig

FORMAT = "padviz-session"
VERSION = 1
_KEYS = frozenset(
    ("format", "version", "batch", "options", "training", "runs", "view", "curves", "faults")
)


class SessionError(PadvizError):
    """A session file that cannot be read; the message names the bad part."""


@dataclass
class Session:
    batch: Batch
    options: LayoutOptions
    config: TrainConfig  # its `mode` is not used: `runs` lists the modes
    runs: tuple[str, ...]
    curves: dict[str, Curves] = field(default_factory=dict)
    smoothing: float = 0.6
    log_y: bool = False
    faults: dict[str, str] = field(default_factory=dict)


def to_dict(session: Session) -> dict[str, Any]:
    training = session.config.to_dict()
    training.pop("mode")
    return {
        "format": FORMAT,
        "version": VERSION,
        "batch": to_json(session.batch),
        "options": session.options.to_dict(),
        "training": training,
        "runs": list(session.runs),
        "view": {"smoothing": session.smoothing, "log_y": session.log_y},
        "curves": {run: curves.to_dict() for run, curves in session.curves.items()},
        "faults": dict(session.faults),
    }


def from_dict(data: Any) -> Session:
    """Validate and build a Session; every problem raises SessionError naming the part."""
    if not isinstance(data, dict):
        raise SessionError(f"a session must be a JSON object, got {type(data).__name__}")
    if data.get("format") != FORMAT:
        raise SessionError(f"not a padviz session: format is {data.get('format')!r}")
    json_files.check_version(data.get("version"), VERSION, SessionError, "session")
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise SessionError(f"unknown key {unknown[0]!r} in the session")
    for key in ("batch", "options", "training", "runs"):
        if key not in data:
            raise SessionError(f"the session has no {key!r}")
    runs = _runs(data["runs"])
    view = _object(data.get("view", {}), "view")
    curves = _object(data.get("curves", {}), "curves")
    faults = _object(data.get("faults", {}), "faults")
    for where, per_run in (("curves", curves), ("faults", faults)):
        strays = sorted(set(per_run) - set(runs))
        if strays:
            raise SessionError(f"{where} for {strays[0]!r}, which is not one of the runs")
    try:
        batch = from_json(data["batch"])
    except BatchError as exc:
        raise SessionError(f"batch: {exc}") from None
    options = _options(data["options"])
    training = _object(data["training"], "training")
    if "mode" in training:
        raise SessionError("training: 'mode' does not belong here; the runs list the modes")
    try:
        config = TrainConfig.from_dict({**training, "mode": runs[0]})
        for run in runs[1:]:  # every run is a mode of the one model
            check_model_mode(config.model, run)
        parsed_curves = {run: Curves.from_dict(columns) for run, columns in curves.items()}
    except (CurvesError, ValueError) as exc:
        raise SessionError(
            f"{'curves' if isinstance(exc, CurvesError) else 'training'}: {exc}"
        ) from None
    smoothing = view.get("smoothing", 0.6)
    log_y = view.get("log_y", False)
    if (
        isinstance(smoothing, bool)
        or not isinstance(smoothing, (int, float))
        or not 0 <= smoothing < 1
    ):
        raise SessionError(f"view.smoothing must be a number in [0, 1), got {smoothing!r}")
    if not isinstance(log_y, bool):
        raise SessionError(f"view.log_y must be true or false, got {log_y!r}")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in faults.items()):
        raise SessionError("faults must map run names to messages")
    return Session(
        batch, options, config, runs, parsed_curves, float(smoothing), log_y, dict(faults)
    )


def save_session(session: Session, path: str | PathLike[str]) -> None:
    text = json.dumps(to_dict(session), allow_nan=False, separators=(",", ":"))
    write_text_atomically(path, text + "\n", error=SessionError)


def load_session(path: str | PathLike[str]) -> Session:
    try:
        data = json_files.load(path)
    except json_files.JsonFileError as exc:
        raise SessionError(str(exc)) from None
    try:
        return from_dict(data)
    except SessionError as exc:
        raise SessionError(f"{path}: {exc}") from None


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SessionError(f"{where} must be a JSON object, got {type(value).__name__}")
    return value


def _runs(value: Any) -> tuple[str, ...]:
    if (
        not isinstance(value, list)
        or not value
        or len(set(map(str, value))) != len(value)
        or any(run not in ALL_MODES for run in value)
    ):
        raise SessionError(
            f"runs must be a non-empty list of distinct modes from "
            f"{', '.join(ALL_MODES)}, got {value!r}"
        )
    return tuple(value)


def _options(value: Any) -> LayoutOptions:
    try:
        return LayoutOptions.from_dict(_object(value, "options"), where="the session")
    except LayoutError as exc:
        raise SessionError(f"options: {exc}") from None
