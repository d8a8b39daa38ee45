"""`padviz layout`: the JSON contract, the text rendering and bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from torch.nn.utils.rnn import pack_sequence, pad_sequence

from padviz.cli import main
from padviz.core.batch import from_lengths, load_preset

KEYS = {"lengths", "padded", "mask", "packed", "offsets", "stats", "pitfalls"}


def layout_json(capsys, *args: str) -> dict:
    assert main(["layout", *args, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one JSON object on one line
    return json.loads(out)


def test_json_schema_and_values_match_torch(capsys):
    data = layout_json(capsys, "--lengths", "5,3,7")
    assert set(data) >= KEYS
    seqs = [torch.tensor(s) for s in from_lengths([5, 3, 7]).sequences]
    assert data["lengths"] == [5, 3, 7]
    assert data["padded"] == pad_sequence(seqs).tolist()  # torch's default: time-first, T x B
    assert data["mask"] == [[int(t < n) for n in (5, 3, 7)] for t in range(7)]
    packed = pack_sequence(seqs, enforce_sorted=False)
    assert data["packed"]["batch_sizes"] == packed.batch_sizes.tolist() == [3, 3, 3, 2, 2, 1, 1]
    assert data["packed"]["sorted_indices"] == [2, 0, 1]
    assert data["packed"]["unsorted_indices"] == [1, 2, 0]
    rows = data["packed"]["rows"]
    assert [data["padded"][t][s] for s, t in rows] == packed.data.tolist()
    assert data["offsets"] == [0, 5, 8, 15]
    assert data["stats"] == {
        "real_tokens": 15,
        "pad_cells": 6,
        "total_cells": 21,
        "pad_ratio": 6 / 21,
        "padded_bytes": 21 * 8,
        "packed_bytes": 15 * 8,
    }
    assert data["pitfalls"] == []


def test_orientation_flags(capsys):
    default = layout_json(capsys, "--lengths", "5,3,7")
    time_first = layout_json(capsys, "--lengths", "5,3,7", "--time-first")
    batch_first = layout_json(capsys, "--lengths", "5,3,7", "--batch-first")
    assert default["padded"] == time_first["padded"]
    assert len(batch_first["padded"]) == 3 and len(batch_first["padded"][0]) == 7
    assert len(time_first["padded"]) == 7 and len(time_first["padded"][0]) == 3
    transposed = [list(col) for col in zip(*time_first["padded"], strict=False)]
    assert batch_first["padded"] == transposed
    assert batch_first["mask"] == [list(col) for col in zip(*time_first["mask"], strict=False)]


def test_options_reach_the_layout(capsys):
    data = layout_json(
        capsys,
        "--lengths",
        "2,6,4",
        "--batch-first",
        "--order",
        "sorted",
        "--padding-value",
        "-1",
        "--pad-to-multiple",
        "4",
        "--padding-side",
        "left",
    )
    assert data["lengths"] == [6, 4, 2] and data["order"] == [1, 2, 0]
    assert len(data["padded"][0]) == 8
    assert data["padded"][2][:6] == [-1] * 6 and data["mask"][2] == [0] * 6 + [1, 1]
    assert {p["name"] for p in data["pitfalls"]} == {"left_padding_packed", "unpack_drops_padding"}
    bucketed = layout_json(capsys, "--lengths", "2,6,4,9", "--order", "bucketed", "--buckets", "2")
    assert bucketed["buckets"] == [
        {"indices": [3, 1], "max_len": 9},
        {"indices": [2, 0], "max_len": 4},
    ]
    assert bucketed["stats"]["total_cells"] == 2 * 9 + 2 * 4
    truncated = layout_json(capsys, "--lengths", "2,6", "--max-length", "3")
    assert truncated["lengths"] == [2, 3]


def test_refused_packing_is_reported_not_crashed(capsys):
    data = layout_json(capsys, "--lengths", "3,5", "--enforce-sorted")
    assert data["packed"] is None
    assert [p["name"] for p in data["pitfalls"]] == ["unsorted_enforce_sorted"]
    assert main(["layout", "--lengths", "3,5", "--enforce-sorted"]) == 0
    assert "torch refused to pack" in capsys.readouterr().out


def test_preset_and_file_sources(capsys, tmp_path):
    data = layout_json(capsys, "--preset", "sentences")
    assert data["lengths"] == load_preset("sentences").lengths
    path = tmp_path / "b.json"
    path.write_text(
        json.dumps({"format": "padviz-batch", "version": 1, "sequences": [[1, 2], [3]]})
    )
    assert layout_json(capsys, "--file", str(path))["offsets"] == [0, 2, 3]
    assert main(["layout", "--list-presets"]) == 0
    assert "article" in capsys.readouterr().out.split()


def test_text_rendering(capsys):
    assert main(["layout", "--lengths", "5,3,7"]) == 0
    out = capsys.readouterr().out
    assert "padded (T=7 x B=3, time-first" in out
    assert "t5   .  . " in out  # pads drawn as '.'
    assert "mask (1 = real token):" in out
    assert "batch_sizes [3, 3, 3, 2, 2, 1, 1]" in out
    assert "t=4 batch_size 2: rows 11=s2:" in out
    assert "offsets (cu_seqlens): [0, 5, 8, 15]" in out
    assert "6 pad cells of 21 (28.6% padding)" in out
    assert "pitfalls: none" in out
    assert main(["layout", "--lengths", "5,3,7", "--padding-side", "left"]) == 0
    assert "left_padding_packed (error):" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lengths", "5,a,7"], "length 'a' at position 1 is not a whole number"),
        (["--lengths", "5,0,7"], "length 0 at position 1"),
        (["--lengths", "5,-2"], "length -2 at position 1 is negative"),
        (["--lengths", ""], "no lengths given"),
        (["--lengths", "2.5"], "length '2.5' at position 0 is not a whole number"),
        (["--lengths", "5", "--buckets", "0"], "buckets 0 must be"),
        (["--lengths", "5", "--pad-to-multiple", "0"], "pad_to_multiple_of 0 must be"),
        (["--lengths", "5", "--padding-value", "nan"], "padding_value nan must be a finite number"),
        (["--lengths", "5", "--padding-side", "middle"], "invalid choice: 'middle'"),
        (["--lengths", "5", "--buckets", "x"], "invalid int value: 'x'"),
        (["--lengths", "5", "--preset", "article"], "not allowed with argument"),
        ([], "give --lengths 5,3,7, --preset NAME or --file PATH"),
        (["--preset", "nope"], "unknown preset 'nope'"),
        (["--file", "/nonexistent/b.json"], "cannot read /nonexistent/b.json"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys, args, message):
    assert main(["layout", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.startswith("error: ")
    assert message in captured.err


def test_malformed_file(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{not json")
    assert main(["layout", "--file", str(path), "--json"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "malformed JSON" in err


def run_module(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "padviz", "layout", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_as_a_subprocess():
    done = run_module("--lengths", "5,3,7", "--batch-first", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["padded"][1][3:] == [0, 0, 0, 0]
    bad = run_module("--lengths", "5,x")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.strip().splitlines() == [
        "error: length 'x' at position 1 is not a whole number"
    ]


def test_a_reader_that_stops_early_is_not_an_error() -> None:
    """`padviz layout ... | head`: the closed pipe ends the command quietly."""
    lengths = ",".join(["300"] * 300)
    proc = subprocess.Popen(
        [sys.executable, "-m", "padviz", "layout", "--lengths", lengths, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout.read(100).startswith(b"{")
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 0
    assert b"Error" not in stderr and b"error" not in stderr, stderr
