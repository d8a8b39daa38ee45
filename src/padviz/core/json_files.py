"""Reading padviz's JSON files (batch, session, lesson), which are untrusted input.

Before a file reaches a format's own checks it must be: at most MAX_FILE_BYTES (looked at
before reading), UTF-8 (a leading byte-order mark is accepted, as editors on Windows write
one), JSON without NaN/Infinity, nested at most MAX_JSON_DEPTH deep (100,000 `[` would
otherwise exhaust the parser's recursion), with no string over MAX_STRING_CHARS. Each problem
is a JsonFileError naming the file and, for a string, where it is.
"""

from __future__ import annotations

import json
import os
from os import PathLike
from typing import Any

from padviz.core.errors import PadvizError
from padviz.core.limits import MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_STRING_CHARS


class JsonFileError(PadvizError):
    """A file that is not acceptable JSON; `where` names the file, `problem` what is wrong."""

    def __init__(self, where: str, problem: str) -> None:
        reason = problem.removeprefix("cannot read it: ")
        super().__init__(
            f"cannot read {where}: {reason}" if reason != problem else f"{where}: {problem}"
        )
        self.where = where
        self.problem = problem


def read_text(path: str | PathLike[str]) -> str:
    """The file's text, refused (naming the path) when missing, too large or not UTF-8."""
    where = os.fspath(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise JsonFileError(
                    where, f"the file is {_mb(size)}; padviz reads at most {_mb(MAX_FILE_BYTES)}"
                )
            data = fh.read(MAX_FILE_BYTES + 1)  # a file that grows while read is cut here
    except IsADirectoryError:
        raise JsonFileError(where, "cannot read it: it is a folder") from None
    except OSError as exc:
        raise JsonFileError(where, f"cannot read it: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise JsonFileError(where, f"the file is over {_mb(MAX_FILE_BYTES)}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JsonFileError(where, "cannot read it: not UTF-8 text") from None


def parse(text: str, where: str) -> Any:
    """Decoded JSON within padviz's bounds, or JsonFileError naming `where`."""
    text = text.removeprefix("\ufeff")
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise JsonFileError(
            where, f"malformed JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise JsonFileError(where, f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    _check_bounds(data, where)
    return data


def load(path: str | PathLike[str]) -> Any:
    """read_text, then parse."""
    return parse(read_text(path), os.fspath(path))


def check_version(
    version: object, supported: int, error: type[PadvizError], file_format: str
) -> None:
    """The "version" key must be the number `supported` (not the string "1", not true)."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise error(f"{file_format} version must be the number {supported}, got {version!r}")
    if version != supported:
        raise error(
            f"unsupported {file_format} version {version}: this padviz reads version {supported}"
        )


def _refuse_constant(name: str) -> float:
    raise json.JSONDecodeError(f"{name} is not JSON", name, 0)


Where = tuple[Any, ...] | None  # (parent, key): built as the walk goes, spelt only for errors


def _check_bounds(data: Any, where: str) -> None:
    """Depth and string length, walked without recursion (the depth is not yet known)."""
    stack: list[tuple[Any, int, Where]] = [(data, 1, None)]
    nested = (list, dict, str)
    while stack:
        value, depth, at = stack.pop()
        if isinstance(value, str):
            if len(value) > MAX_STRING_CHARS:
                raise JsonFileError(
                    where,
                    f"a string of {len(value):,} characters{_spelt(at)}; at most "
                    f"{MAX_STRING_CHARS:,} are read",
                )
            continue
        if not isinstance(value, (list, dict)):
            continue  # a number, true, false or null
        if depth > MAX_JSON_DEPTH:
            raise JsonFileError(where, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                if len(key) > MAX_STRING_CHARS:
                    raise JsonFileError(where, f"a key of {len(key):,} characters{_spelt(at)}")
                if isinstance(item, nested):
                    stack.append((item, depth + 1, (at, key)))
        else:
            stack.extend(
                (item, depth + 1, (at, i))
                for i, item in enumerate(value)
                if isinstance(item, nested)
            )


def _spelt(at: Where) -> str:
    """' at steps[2].caption' for the chain (((None, 'steps'), 2), 'caption')."""
    parts: list[str] = []
    while at is not None:
        at, key = at
        parts.append(f"[{key}]" if isinstance(key, int) else f".{key}")
    text = "".join(reversed(parts)).removeprefix(".")
    return f" at {text}" if text else ""


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n:,} bytes"
