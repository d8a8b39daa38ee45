"""How `padviz` ends: bad input is one line on stderr with exit 2 (a file the user named that
cannot be read or written included, naming the path); anything else is a bug, which keeps its
traceback and exits 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from padviz.cli import UsageError, main
from padviz.core.errors import PadvizError

SMALL_TRAIN = ["--mode", "packed", "--steps", "2", "--device", "cpu", "--batch-size", "4"]
SMALL_TRAIN += ["--hidden", "8"]


def one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    """The whole of stderr, checked to be exactly one `error: ...` line."""
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_every_core_input_error_is_a_padviz_error() -> None:
    from padviz.core.batch import BatchError
    from padviz.core.bench import BenchError
    from padviz.core.curves import CurvesError
    from padviz.core.devices import DeviceError
    from padviz.core.lessons import LessonError
    from padviz.core.models import ModeError
    from padviz.core.options import LayoutError
    from padviz.core.sessions import SessionError
    from padviz.core.tasks import TaskError
    from padviz.core.training import ConfigError, DeviceOutOfMemoryError, NonFiniteLossError

    errors = [BatchError, BenchError, CurvesError, DeviceError, LessonError, ModeError]
    errors += [LayoutError, SessionError, TaskError, ConfigError, NonFiniteLossError, UsageError]
    assert all(issubclass(error, PadvizError) for error in errors)
    # Running out of device memory is neither bad input nor a bug: callers handle it by name.
    assert not issubclass(DeviceOutOfMemoryError, PadvizError)
    assert issubclass(DeviceOutOfMemoryError, MemoryError)


# -- files the user named ----------------------------------------------------------------------
def test_a_missing_batch_file_is_one_line_naming_it(tmp_path, capsys) -> None:
    path = tmp_path / "nope.json"
    assert main(["layout", "--file", str(path)]) == 2
    assert one_error_line(capsys) == f"error: cannot read {path}: No such file or directory\n"


def test_a_folder_given_as_the_batch_file_is_one_line_naming_it(tmp_path, capsys) -> None:
    assert main(["layout", "--file", str(tmp_path)]) == 2
    assert str(tmp_path) in one_error_line(capsys)


def test_a_lesson_file_that_is_not_text_is_one_line_naming_it(tmp_path, capsys) -> None:
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00")
    assert main(["lessons", str(path)]) == 2
    assert one_error_line(capsys) == f"error: {path}: cannot read it: not UTF-8 text\n"


def test_the_app_refuses_a_missing_lesson_file_before_any_window(tmp_path, capsys) -> None:
    path = tmp_path / "missing-lesson.json"
    assert main(["--lesson", str(path)]) == 2
    assert one_error_line(capsys).startswith(f"error: {path}: no such lesson or file")


def test_a_csv_in_a_missing_folder_is_one_line_naming_it(capsys) -> None:
    path = "/nonexistent/dir/x.csv"
    assert main(["train", *SMALL_TRAIN, "--csv", path]) == 2
    assert (
        one_error_line(capsys) == f"error: cannot write --csv {path}: No such file or directory\n"
    )


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_csv_on_a_full_disk_is_one_line_naming_it(capsys, monkeypatch) -> None:
    # Opening /dev/full works; writing fails: that is found before any step is trained.
    from padviz.core.training import Trainer

    steps: list[int] = []
    real_step = Trainer.step
    monkeypatch.setattr(Trainer, "step", lambda self: steps.append(1) or real_step(self))
    assert main(["train", *SMALL_TRAIN, "--csv", "/dev/full"]) == 2
    assert steps == []
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == "error: cannot write --csv /dev/full: No space left on device"
    assert not any("Traceback" in line for line in err)


def test_a_screenshot_that_cannot_be_written_is_one_line_naming_it(tmp_path, capsys) -> None:
    target = tmp_path / "taken.png"
    target.mkdir()  # a folder where the PNG should go: Qt cannot write it
    assert main(["screenshot", "--out", str(target), "--width", "640", "--height", "400"]) == 2
    err = capsys.readouterr().err
    assert err == f"error: cannot write {target}: Is a directory\n"
    assert target.is_dir() and list(target.iterdir()) == []  # untouched, no temporary left
    assert [p.name for p in tmp_path.iterdir()] == ["taken.png"]


# -- bugs --------------------------------------------------------------------------------------
@pytest.mark.parametrize("bug", [RuntimeError, ValueError, OSError, TypeError])
def test_a_bug_in_the_core_is_not_swallowed(monkeypatch, capsys, bug) -> None:
    import padviz.core.layout

    def broken(*args, **kwargs):
        raise bug("a bug, not bad input")

    monkeypatch.setattr(padviz.core.layout, "compute_layout", broken)
    with pytest.raises(bug, match="a bug, not bad input"):
        main(["layout", "--lengths", "5,3,7"])
    assert capsys.readouterr().err == ""  # not turned into an `error:` line


def test_an_os_error_in_training_is_not_blamed_on_the_csv(tmp_path, monkeypatch) -> None:
    from padviz.core.training import Trainer

    def broken(self, batch, step):
        raise OSError("a bug in the trainer")

    monkeypatch.setattr(Trainer, "_forward_backward", broken)
    with pytest.raises(OSError, match="a bug in the trainer"):
        main(["train", *SMALL_TRAIN, "--csv", str(tmp_path / "x.csv")])


BUGGY_CLI = """
import sys
import padviz.core.layout

def broken(*args, **kwargs):
    raise {bug}("a bug, not bad input")

padviz.core.layout.compute_layout = broken
from padviz.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("bug", ["RuntimeError", "ValueError"])
def test_the_command_shows_a_bugs_traceback_and_exits_1(bug) -> None:
    done = subprocess.run(  # the padviz these tests import: the environment's
        [sys.executable, "-c", BUGGY_CLI.format(bug=bug), "layout", "--lengths", "5,3,7"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):")
    assert done.stderr.rstrip().endswith(f"{bug}: a bug, not bad input")
    assert ", in broken" in done.stderr  # the frame that raised


# -- what keeps its own handling ---------------------------------------------------------------
def test_ctrl_c_is_one_word_and_exit_130(monkeypatch, capsys) -> None:
    from padviz.commands import layout

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(layout, "run", interrupted)
    assert main(["layout", "--lengths", "3"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_argparse_errors_stay_one_line_with_exit_2(capsys) -> None:
    assert main(["layout", "--order", "random"]) == 2
    assert "argument --order: invalid choice: 'random'" in one_error_line(capsys)
