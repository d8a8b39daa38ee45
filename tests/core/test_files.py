"""A file padviz writes is replaced only when the new one is complete: a failure midway leaves
the old file intact, says which path, and leaves no temporary file behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from padviz.core import files
from padviz.core.batch import BatchError, from_lengths, load_json, save_json
from padviz.core.errors import PadvizError
from padviz.core.files import replacing, write_text_atomically


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


def test_a_writer_that_fails_midway_leaves_the_old_picture(tmp_path) -> None:
    target = tmp_path / "plot.png"
    target.write_bytes(b"old picture")
    with pytest.raises(RuntimeError, match="disk full"), replacing(target) as temporary:
        Path(temporary).write_bytes(b"half a pict")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]  # no temporary left


def test_a_writer_that_writes_nothing_is_an_error_naming_the_file(tmp_path) -> None:
    target = tmp_path / "plot.svg"
    target.write_text("old")
    expected = f"cannot write {target}: nothing was written"
    with pytest.raises(PadvizError, match=expected), replacing(target):
        pass
    assert target.read_text() == "old"


def test_a_finished_writer_replaces_the_file_with_its_suffix_kept(tmp_path) -> None:
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    with replacing(target) as temporary:
        assert temporary.endswith(".png") and Path(temporary).parent == tmp_path
        Path(temporary).write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]
