"""A file padviz writes is replaced only when the new one is complete: a failure midway leaves
the old file intact, says which path, and leaves no temporary file behind."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from padviz.core import files
from padviz.core.batch import BatchError, from_lengths, load_json, save_json
from padviz.core.errors import PadvizError
from padviz.core.files import write_text_atomically


def test_writes_the_text_and_keeps_the_old_permissions(tmp_path) -> None:
    path = tmp_path / "out.txt"
    write_text_atomically(path, "first\n")
    assert path.read_text(encoding="utf-8") == "first\n"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # as a plain open() gives
    path.chmod(0o640)
    write_text_atomically(path, "second\n")
    assert path.read_text(encoding="utf-8") == "second\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_a_disk_that_fills_midway_leaves_the_old_file(tmp_path, monkeypatch) -> None:
    path = tmp_path / "batch.json"
    good = from_lengths([5, 3, 7])
    save_json(good, path)
    before = path.read_bytes()

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full_disk)
    with pytest.raises(BatchError, match=r"cannot write .*batch\.json: No space left on device"):
        save_json(from_lengths([9, 9]), path)
    assert path.read_bytes() == before
    assert load_json(path) == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batch.json"]


def test_a_folder_that_does_not_exist_is_named(tmp_path) -> None:
    missing = tmp_path / "no" / "such" / "file.csv"
    with pytest.raises(PadvizError, match=r"cannot write .*file\.csv"):
        write_text_atomically(missing, "x")
