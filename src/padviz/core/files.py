"""Writing a user's file without ever leaving it half-written.

Text goes to a temporary file beside the target, is flushed to disk, and only then renamed over
the target (an atomic replace on the same file system): a full disk, a crash or a killed
process leaves the old file exactly as it was, and no temporary file behind.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from os import PathLike
from pathlib import Path

from padviz.core.errors import PadvizError


def write_text_atomically(
    path: str | PathLike[str], text: str, *, error: type[PadvizError] = PadvizError
) -> None:
    """Write `text` (UTF-8) to `path`, all or nothing; `error` names the path and the reason."""
    target = Path(path)
    try:
        mode = _mode_for(target)
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as exc:
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None


@contextmanager
def replacing(
    path: str | PathLike[str], *, error: type[PadvizError] = PadvizError
) -> Iterator[str]:
    """A temporary file name beside `path` (same suffix, so writers that go by it still work)
    for a writer that takes a file name (Qt's image, SVG and PDF writers); when the block ends
    without an error and the writer wrote something, the file is renamed over `path`, else it
    is removed and `path` is left as it was."""
    target = Path(path)
    try:
        mode = _mode_for(target)
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix
        )
        os.close(fd)
    except OSError as exc:
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        yield temporary
        if os.path.getsize(temporary) == 0:
            raise error(f"cannot write {target}: nothing was written")
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except OSError as exc:
        raise error(f"cannot write {target}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _mode_for(target: Path) -> int:
    """The permissions the file would get from a plain open(): the old file's, else the
    umask's (mkstemp makes files only their owner can read)."""
    if target.exists():
        return stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
