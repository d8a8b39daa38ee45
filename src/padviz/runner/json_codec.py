"""Messages as JSON lines: a frozen dataclass <-> one line {"type": "<class name>", fields...}.

The stdio transport's only codec (padviz.runner.messages documents the protocol). Decoding
trusts nothing: the line's size is checked before it is parsed, the type must be one the reader
expects, every field of the dataclass must be there and nothing else, and each value must match
the field's annotation (an int is not a bool, a tuple's items are checked one by one, a numpy
array's dtype is one of a few plain ones and its data exactly as long as its shape says). No
value is ever executed, imported or looked up by name beyond the message classes given.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import math
import types
import typing
from collections.abc import Iterable, Mapping
from functools import cache
from typing import IO, Any

import numpy as np

from padviz.core.curves import CURVE_FIELDS
from padviz.core.errors import PadvizError
from padviz.runner.messages import Command, Died, Report, RunStep, SessionReport

MAX_COMMAND_BYTES = 1 << 20  # a line to the worker: configs, a hidden-state request
MAX_REPORT_BYTES = 32 << 20  # a line from it: the largest is a hidden-state answer
MAX_ARRAY_DIMS = 8
ARRAY_DTYPES = frozenset(
    ("bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64")
)


def _kinds(base: type, leave_out: tuple[type, ...] = ()) -> dict[str, type]:
    """Every message class below `base` by name (the bases and `leave_out` excepted)."""
    found: dict[str, type] = {}
    subclasses: list[type] = base.__subclasses__()
    for cls in subclasses:
        if cls not in leave_out:
            if cls is not SessionReport:
                found[cls.__name__] = cls
            found.update(_kinds(cls, leave_out))
    return found


COMMANDS = _kinds(Command)  # what a worker accepts
REPORTS = _kinds(Report, leave_out=(Died,))  # what it sends (Died and Lost are the parent's)


class CodecError(PadvizError):
    """A line that is not a valid message: says which field, what it got and what fits."""


class Oversized:
    """A line longer than the reader's limit (read and dropped, never held whole)."""

    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit

    @property
    def message(self) -> str:
        return f"a line of more than {self.size} bytes is over the limit of {self.limit} bytes"


def read_lines(stream: IO[bytes], limit: int) -> Iterable[bytes | Oversized]:
    """The stream's lines (without the newline), an Oversized for each one over `limit`
    bytes; never holds more than `limit` + 1 bytes of one line. Ends at end of file."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n"):
            yield line.rstrip(b"\r\n")
            continue
        size = len(line)
        while line and not line.endswith(b"\n"):  # skip the rest of it, a chunk at a time
            line = stream.readline(limit + 1)
            size += len(line)
        yield Oversized(size - 1 if line.endswith(b"\n") else size, limit)


def encode(message: Any) -> bytes:
    """One line (newline included) for a message dataclass."""
    body = {"type": type(message).__name__, **_encode_fields(message)}
    return json.dumps(body, separators=(",", ":"), allow_nan=True).encode() + b"\n"


def decode(line: bytes, kinds: Mapping[str, type], limit: int) -> Any:
    """The message of `line`, one of `kinds` (class name -> dataclass); CodecError if not."""
    if len(line) > limit:
        raise CodecError(f"a line of {len(line)} bytes is over the limit of {limit} bytes")
    try:
        body = json.loads(line)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise CodecError(f"a line that is not JSON: {_short(exc)}") from None
    if not isinstance(body, dict):
        raise CodecError(f"a line must be a JSON object, got {type(body).__name__}")
    kind = body.pop("type", None)
    if not isinstance(kind, str) or kind not in kinds:
        known = ", ".join(sorted(kinds))
        raise CodecError(f"unknown message type {_short(kind)}; expected one of {known}")
    return _decode_dataclass(kinds[kind], body, kind)


# -- encoding -------------------------------------------------------------------------------


def _encode_fields(obj: Any) -> dict[str, Any]:
    return {f.name: _encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)}


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode_fields(value)
    if isinstance(value, np.ndarray):
        return _encode_array(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _encode_array(array: np.ndarray) -> dict[str, Any]:
    if array.dtype.name not in ARRAY_DTYPES:
        raise CodecError(f"cannot send a numpy array of dtype {array.dtype.name}")
    little = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
    data = base64.b64encode(little.tobytes()).decode("ascii")
    return {"dtype": array.dtype.name, "shape": list(array.shape), "data": data}


# -- decoding -------------------------------------------------------------------------------


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode_dataclass(cls: type, body: Any, where: str) -> Any:
    if not isinstance(body, dict):
        raise CodecError(f"{where} must be an object, got {_short(body)}")
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    missing = [n for n in names if n not in body]
    unknown = sorted(set(body) - set(names))
    if missing or unknown:
        raise CodecError(
            f"{where} needs exactly the fields {', '.join(names) or '(none)'}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unknown {', '.join(map(_short, unknown))}" if unknown else "")
        )
    message = cls(**{n: _decode(body[n], hints[n], f"{where}.{n}") for n in names})
    if isinstance(message, RunStep) and len(message.values) != len(CURVE_FIELDS):
        raise CodecError(  # a step's values go into the curves' columns one by one
            f"{where}.values has {len(message.values)} values; a step has {len(CURVE_FIELDS)}"
        )
    return message


def _decode(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if hint is Any:
        return value  # plain JSON already (a config dict: the core validates it)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in (o for o in options if o is not type(None)):
            try:
                return _decode(value, option, where)
            except CodecError as exc:
                errors.append(exc)
        raise errors[0] if len(errors) == 1 else _mismatch(where, hint, value)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(value, list):
            raise _mismatch(where, hint, value)
        return tuple(_decode(v, item, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        _, item = typing.get_args(hint)
        if not isinstance(value, dict):
            raise _mismatch(where, hint, value)
        return {k: _decode(v, item, f"{where}[{k!r}]") for k, v in value.items()}
    if hint is np.ndarray:
        return _decode_array(value, where)
    if dataclasses.is_dataclass(hint):
        return _decode_dataclass(typing.cast(type, hint), value, where)
    if hint is float:  # an int is a float too (steps and token counts stay ints)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
        raise _mismatch(where, hint, value)
    if hint in (int, str, bool):
        if type(value) is hint:
            return value
        raise _mismatch(where, hint, value)
    raise CodecError(f"{where}: no decoder for {hint}")  # a message class this codec lacks


def _decode_array(value: Any, where: str) -> np.ndarray:
    if not isinstance(value, dict) or set(value) != {"dtype", "shape", "data"}:
        raise CodecError(f"{where} must be an array object with dtype, shape and data")
    dtype, shape, data = value["dtype"], value["shape"], value["data"]
    if dtype not in ARRAY_DTYPES:
        raise CodecError(f"{where}.dtype {_short(dtype)} is not one of {sorted(ARRAY_DTYPES)}")
    if (
        not isinstance(shape, list)
        or len(shape) > MAX_ARRAY_DIMS
        or not all(type(n) is int and n >= 0 for n in shape)
    ):
        raise CodecError(
            f"{where}.shape {_short(shape)} must be at most {MAX_ARRAY_DIMS} sizes >= 0"
        )
    size = math.prod(shape) * np.dtype(dtype).itemsize
    if not isinstance(data, str) or len(data) != 4 * math.ceil(size / 3):
        raise CodecError(f"{where}.data must be {size} bytes in base64 for shape {shape}")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise CodecError(f"{where}.data is not base64") from None
    if len(raw) != size:  # base64's padding leaves a byte or two of slack
        raise CodecError(f"{where}.data must be {size} bytes in base64 for shape {shape}")
    return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).astype(dtype).reshape(shape)


def _mismatch(where: str, hint: Any, value: Any) -> CodecError:
    name = getattr(hint, "__name__", None) or str(hint).replace("typing.", "")
    return CodecError(f"{where} must be {name}, got {_short(value)}")


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
