"""Any padviz file, told apart by its "format" key: a batch, a session or a lesson.

`padviz FILE`, `padviz screenshot --open FILE` and the window's File > Open all read through
`read_padviz_file`, so a file is read once, bounded as untrusted input (padviz.core.json_files)
and refused with one message naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Literal

from padviz.core import json_files
from padviz.core.batch import FORMAT as BATCH_FORMAT
from padviz.core.batch import Batch, BatchError, from_json
from padviz.core.errors import PadvizError
from padviz.core.lessons import FORMAT as LESSON_FORMAT
from padviz.core.lessons import Lesson, parse_lesson
from padviz.core.sessions import FORMAT as SESSION_FORMAT
from padviz.core.sessions import Session, SessionError
from padviz.core.sessions import from_dict as session_from_dict

Kind = Literal["batch", "session", "lesson"]
KINDS: dict[str, Kind] = {BATCH_FORMAT: "batch", SESSION_FORMAT: "session", LESSON_FORMAT: "lesson"}


class PadvizFileError(PadvizError):
    """A file that is not a padviz batch, session or lesson."""


@dataclass(frozen=True)
class PadvizFile:
    path: Path
    kind: Kind
    content: Batch | Session | Lesson


def read_padviz_file(path: str | PathLike[str]) -> PadvizFile:
    """Read and check a padviz file of any kind; errors name the file."""
    path = Path(path)
    data = json_files.load(path)
    fmt = data.get("format") if isinstance(data, dict) else None
    kind = KINDS.get(fmt) if isinstance(fmt, str) else None
    if kind is None:
        raise PadvizFileError(
            f'{path}: not a padviz file (its "format" is {fmt!r}; padviz opens '
            f"{', '.join(KINDS)} files)"
        )
    if kind == "lesson":
        return PadvizFile(path, kind, parse_lesson(data, path.name, path.stem))
    try:
        content: Batch | Session = from_json(data) if kind == "batch" else session_from_dict(data)
    except (BatchError, SessionError) as exc:
        raise type(exc)(f"{path}: {exc}") from None
    return PadvizFile(path, kind, content)
