"""`padviz pack`: the JSON contract, the text view, and one line for bad input."""

from __future__ import annotations

import json

from padviz.cli import main


def test_json_holds_exactly_the_contract_keys(capsys):
    assert main(["pack", "--lengths", "5,3,7,2", "--row-length", "8", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {
        "row_length",
        "algorithm",
        "rows",
        "cu_seqlens",
        "position_ids",
        "real_tokens",
        "pad_tokens",
        "efficiency",
    }
    assert data["rows"] == [[0, 1], [2], [3]] and data["cu_seqlens"][0] == [0, 5, 8]
    assert data["position_ids"][2] == [0, 1] + [-1] * 6
    assert (data["real_tokens"], data["pad_tokens"]) == (17, 7)


def test_split_continues_the_position_ids(capsys):
    argv = ["pack", "--lengths", "13", "--row-length", "8", "--overflow", "split", "--json"]
    assert main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["rows"] == [[0], [0]] and data["position_ids"][1][:5] == [8, 9, 10, 11, 12]


def test_text_shows_each_row(capsys):
    assert main(["pack", "--preset", "article", "--row-length", "8"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 rows of 8 (greedy, overflow error): 15 real tokens, 1 pad")
    assert "row 0: [0 0 0 0 0 1 1 1]  sequences [0, 1]" in out


def test_bad_input_is_one_line(capsys):
    for argv, words in (
        (["--lengths", "5,13", "--row-length", "8"], "sequence 1 has 13 tokens"),
        (["--lengths", "5"], "--row-length"),
        (["--lengths", "5", "--row-length", "100000"], "row length 100000"),
        (["--lengths", "5", "--row-length", "8", "--algorithm", "best"], "--algorithm"),
    ):
        assert main(["pack", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and words in err, err
