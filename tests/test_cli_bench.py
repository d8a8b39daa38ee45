"""`padviz bench` through the real CLI entry point, on tiny sizes."""

from __future__ import annotations

import json

import pytest
import torch

from padviz.cli import build_parser, main
from padviz.commands.bench import config_from_args

TINY = [
    "--device",
    "cpu",
    "--hidden",
    "3",
    "--batch-size",
    "16",
    "--max-len",
    "30",
    "--reps",
    "1",
    "--warmup",
    "0",
    "--threads",
    "1",
]
ROW_KEYS = {
    "pad_ratio",
    "target_pad_ratio",
    "padded_ms",
    "packed_ms",
    "bucketed_ms",
    "packed_over_padded",
    "bucketed_over_padded",
    "ideal",
    "noisy",
}


def test_json_is_the_only_thing_on_stdout(capsys):
    assert main(["bench", "--quick", "--json", *TINY]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert data["device"] == "cpu" and data["torch"] == torch.__version__
    config = (
        data["hidden"],
        data["batch_size"],
        data["max_len"],
        data["buckets"],
        data["reps"],
        data["threads"],
    )
    assert config == (3, 16, 30, 4, 1, 1)
    assert [row["target_pad_ratio"] for row in data["rows"]] == [0.0, 0.2, 0.4, 0.6, 0.8, 0.9]
    for row in data["rows"]:
        assert row.keys() >= ROW_KEYS
        assert {f"{s}_iqr_ms" for s in ("padded", "packed", "bucketed")} <= row.keys()
        assert row["pad_ratio"] == pytest.approx(row["target_pad_ratio"], abs=0.01)
        assert all(row[f"{s}_ms"] > 0 for s in ("padded", "packed", "bucketed"))
    assert data["recommendation"].startswith("on cpu")
    assert "bench [" in err and err.endswith("\n")


def test_table_has_a_row_per_ratio_and_a_recommendation(capsys):
    assert main(["bench", "--quick", *TINY]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("device: cpu") and "max len T = 30" in lines[0]
    # --quick: 4 batches of 16 per pool; the padded baseline's width is said, not implied.
    assert "a pool of 64 sequences = 4 batches of 16" in lines[1]
    assert lines[2].startswith("padded: random batches, each padded to T = 30")
    assert lines[3].split()[:3] == ["target", "pad", "padded"]
    ratios = [float(line.split()[0]) for line in lines[4:-1]]
    assert ratios == [0.0, 0.2, 0.4, 0.6, 0.8, 0.9]
    assert lines[-1].startswith("on cpu") and "packing" in lines[-1]


@pytest.mark.parametrize(
    "argv",
    [
        ["--hidden", "0"],
        ["--batch-size", "-3"],
        ["--max-len", "x"],
        ["--reps", "0"],
        ["--warmup", "-1"],
        ["--threads", "0"],
        ["--seed", "-1"],
        ["--device", "tpu"],
        *([["--device", "cuda"]] if not torch.cuda.is_available() else []),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv):
    assert main(["bench", "--quick", "--json", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1
    assert argv[0] in err or argv[0].lstrip("-").replace("-", "_") in err  # names the flag


def test_a_bench_larger_than_memory_is_refused_before_measuring(capsys):
    big = ["--hidden", "4096", "--batch-size", "1024", "--max-len", "4096", "--buckets", "64"]
    assert main(["bench", "--device", "cpu", *big]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("error: hidden 4096, features 32, batch_size 1024, buckets 64, ")
    assert "but cpu has" in err and "free" in err


def test_quick_keeps_model_and_batch_and_uses_a_smaller_pool():
    def config(*argv: str):
        return config_from_args(build_parser().parse_args(["bench", *argv]))

    full, quick = config(), config("--quick")
    assert (quick.hidden, quick.batch_size, quick.max_len) == (
        full.hidden,
        full.batch_size,
        full.max_len,
    )
    assert quick.buckets < full.buckets and quick.reps < full.reps
    assert config("--quick", "--buckets", "2").buckets == 2


def test_device_names_are_those_of_padviz_train():
    args = build_parser().parse_args(["bench", "--device", "cuda:1"])
    assert config_from_args(args).device == "cuda:1"


@pytest.mark.parametrize("spec", ["cuda:1", "cuda:x", "tpu", "mps"])
def test_an_unavailable_device_is_the_same_line_as_for_train(capsys, monkeypatch, tmp_path, spec):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert main(["bench", "--quick", *TINY, "--device", spec]) == 2
    bench_out, bench_err = capsys.readouterr()
    train = ["train", "--mode", "packed", "--steps", "2", "--csv", str(tmp_path / "x.csv")]
    assert main([*train, "--device", spec]) == 2
    train_out, train_err = capsys.readouterr()
    assert bench_out == train_out == ""
    assert bench_err == train_err and bench_err.count("\n") == 1
    assert bench_err.startswith("error: ") and repr(spec) in bench_err


def test_bench_on_a_corpus_times_one_pool_of_its_lengths(tmp_path, capsys):
    corpus = tmp_path / "tail.txt"
    corpus.write_text("".join("w " * (1 + i % 7) ** 2 + "\n" for i in range(50)), "utf-8")
    assert main(["bench", "--corpus", str(corpus), "--json", *TINY]) == 0
    data = json.loads(capsys.readouterr().out)
    (row,) = data["rows"]
    assert row.keys() >= ROW_KEYS
    clipped = [min((1 + i % 7) ** 2, 30) for i in range(50)]
    assert row["target_pad_ratio"] == pytest.approx(1 - sum(clipped) / (50 * 30))
    assert data["corpus"] == str(corpus) and data["pad_ratios"] == [row["target_pad_ratio"]]
    assert f"for {corpus} (its lengths clipped to T = 30" in data["recommendation"]
    assert main(["bench", "--corpus", str(corpus), *TINY]) == 0
    table = capsys.readouterr().out
    assert f"drawn from the lengths of {corpus}" in table and table.count("\n") == 6
