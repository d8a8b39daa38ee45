"""`padviz mistakes` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from padviz.cli import main
from padviz.core.mistakes import ALL

CONTRACT = ("name", "title", "wrong_code", "fix_code", "outcome", "torch_message", "evidence")


def test_lists_every_mistake_with_its_line(capsys) -> None:
    assert main(["mistakes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(ALL)
    for line, mistake in zip(lines, ALL.values(), strict=True):
        assert line.endswith(mistake.line)


def test_json_of_an_error_has_the_contract_keys_and_torchs_text(capsys) -> None:
    assert main(["mistakes", "zero_length", "--lengths", "4,2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(CONTRACT) | {"fixed"} <= set(out)
    assert out["name"] == "zero_length" and out["outcome"] == "error"
    assert out["torch_message"].startswith("Length of all samples has to be greater than 0")
    assert out["evidence"] is None and out["fixed"] is True
    assert "lengths = [4, 2, 0]" in out["wrong_code"] and "lengths = [4, 2, 0]" in out["fix_code"]


def test_json_of_a_silent_one_has_evidence(capsys) -> None:
    assert main(["mistakes", "forgot_unsort_h_n", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["outcome"] == "silent" and out["torch_message"] is None
    assert out["evidence"]["max_abs_difference"] > 1e-3
    assert out["evidence"]["sequences_differing"] and out["fixed"] is True


def test_text_shows_both_snippets_and_the_verdicts(capsys) -> None:
    assert main(["mistakes", "pad_target_minus_one"]) == 0
    out = capsys.readouterr().out
    assert "# The wrong code" in out and "# The fix" in out
    assert "torch raised IndexError: Target -1 is out of bounds." in out
    assert "\nFixed: matches the per-sequence reference" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["mistakes", "nope"], "unknown mistake 'nope'"),
        (["mistakes", "zero_length", "--lengths", "3,x"], "--lengths: length 'x' at position 1"),
        (["mistakes", "zero_length", "--lengths", "3,99"], "--lengths: length 99 at position 1"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(argv, message, capsys) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
