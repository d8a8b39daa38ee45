"""Sizes beyond padviz's limits are refused before anything is allocated: one line naming the
field, the value and the limit (exit 2), never a traceback or a machine out of memory."""

from __future__ import annotations

import pytest

from padviz import cli
from padviz.core import limits
from padviz.core.errors import PadvizError
from padviz.core.options import LayoutOptions


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (
            ["layout", "--lengths", "5,3,7", "--padding-value", "1e19"],
            f"padding_value 1e+19 must lie between -{limits.MAX_PADDING_MAGNITUDE}",
        ),
        (
            ["layout", "--lengths", "5,3,7", "--padding-value=-1e300"],
            "padding_value -1e+300 must lie between",
        ),
        (
            ["layout", "--lengths", "5,3,7", "--pad-to-multiple", "1000000000"],
            f"pad_to_multiple_of 1000000000 must be a whole number from 1 to {limits.MAX_LENGTH}",
        ),
        (
            ["layout", "--lengths", "5,3,7", "--max-length", "100000"],
            f"max_length 100000 must be a whole number from 1 to {limits.MAX_LENGTH}",
        ),
        (
            ["train", "--mode", "packed", "--steps", "1", "--hidden", "1000000", "--csv", "x"],
            f"hidden 1000000 must be a whole number from 1 to {limits.MAX_WIDTH}",
        ),
        (
            ["train", "--mode", "packed", "--steps", "1", "--layers", "100", "--csv", "x"],
            f"layers 100 must be a whole number from 1 to {limits.MAX_LAYERS}",
        ),
        (
            ["train", "--mode", "packed", "--steps", "1", "--lr", "1e38", "--csv", "x"],
            f"lr 1e+38 must be at most {limits.MAX_LR:g}",
        ),
        (
            ["bench", "--quick", "--hidden", "1000000"],
            f"hidden 1000000 must be a whole number from 1 to {limits.MAX_WIDTH}",
        ),
        (
            ["bench", "--quick", "--batch-size", "100000"],
            f"batch_size 100000 must be a whole number from 1 to {limits.MAX_BATCH_SIZE}",
        ),
    ],
)
def test_a_size_beyond_the_limits_is_one_line(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a --csv that slipped through would land here
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert words in err
    assert not (tmp_path / "x").exists()  # refused before training began


def test_options_from_a_file_meet_the_same_limits() -> None:
    for data in ({"pad_to_multiple_of": 300000}, {"padding_value": 1e19}, {"buckets": 10**6}):
        with pytest.raises(PadvizError):
            LayoutOptions.from_dict(data)


@pytest.mark.parametrize(
    ("argv", "present", "lesson", "reset"),
    [
        (["--present", "gui"], True, None, False),
        (["gui", "--present"], True, None, False),
        (["--lesson", "packing", "gui", "--reset-settings"], False, "packing", True),
        (["gui"], False, None, False),
    ],
)
def test_app_flags_work_before_and_after_gui(argv, present, lesson, reset) -> None:
    args = cli.build_parser().parse_args(argv)
    assert (args.present, args.lesson, args.reset_settings) == (present, lesson, reset)
