"""`padviz corpus` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from padviz.cli import main
from padviz.commands import corpus as corpus_command
from padviz.core import corpus as corpus_module
from padviz.core.corpus import read_corpus
from padviz.core.corpus_stats import corpus_stats

CONTRACT = {
    "sequences",
    "tokens",
    "lengths",
    "histogram",
    "strategies",
    "truncated_tokens",
    "recommendation",
}


@pytest.fixture
def lines(tmp_path: Path) -> Path:
    rng = np.random.default_rng(4)
    text = "".join(" ".join(["w"] * int(n)) + "\n" for n in rng.integers(1, 60, 500))
    path = tmp_path / "c.txt"
    path.write_text(text + "\n", encoding="utf-8")  # and one blank line at the end
    return path


def test_json_is_the_contract_and_the_core_figures(
    lines: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["corpus", str(lines), "--json", "--batch-size", "16", "--buckets", "4", "--seed", "3"]
    assert main([*argv, "--max-length", "40"]) == 0
    out, err = capsys.readouterr()
    data = json.loads(out)
    assert set(data) == CONTRACT
    assert set(data["lengths"]) == {"min", "p50", "p90", "p99", "max", "mean"}
    assert set(data["histogram"]) == {"edges", "counts"}
    for row in data["strategies"]:
        assert set(row) == {"name", "batches", "pad_cells", "total_cells", "pad_ratio"}
    lengths = read_corpus(lines).lengths
    want = corpus_stats(lengths, batch_size=16, buckets=4, seed=3, max_length=40).to_json()
    assert data == json.loads(json.dumps(want))
    assert data["sequences"] == 500 and data["truncated_tokens"] > 0
    assert "1 line tokenises to nothing (the first: line 501)" in err  # reported, on stderr


def test_text_shows_the_lengths_the_histogram_and_the_table(
    lines: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["corpus", str(lines), "--batch-size", "16", "--histogram", "linear"]) == 0
    out = capsys.readouterr().out
    stats = corpus_stats(read_corpus(lines).lengths, batch_size=16, edges="linear")
    assert (
        out.splitlines()[0] == f"{lines}: 500 sequences, {stats.tokens:,} tokens (word tokenizer)"
    )
    assert "histogram (linear length bins; bars: log count):" in out
    assert "1 line tokenises to nothing" in out
    for w in stats.strategies:
        row = next(line for line in out.splitlines() if line.startswith(w.name + " "))
        assert row.split()[1:] == [
            f"{w.batches:,}",
            f"{w.pad_cells:,}",
            f"{w.total_cells:,}",
            f"{w.pad_ratio:.1%}",
        ]
    assert out.rstrip().endswith(f"recommendation: {stats.recommendation}")
    bars = [line for line in out.splitlines() if line.rstrip().endswith("#")]
    assert len(bars) == int((stats.counts > 0).sum())


def test_jsonl_ids_and_csv_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"ids": [1, 2, 3]}\n{"ids": [4]}\n', encoding="utf-8")
    assert main(["corpus", str(jsonl), "--field", "ids", "--tokenizer", "ids", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["tokens"] == 4
    csv = tmp_path / "a.tsv-like"
    csv.write_text("body,x\nab c,1\nd,2\n", encoding="utf-8")
    argv = ["corpus", str(csv), "--format", "csv", "--field", "body", "--tokenizer", "char"]
    assert main([*argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lengths"]["max"] == 4


def test_builtin_corpus(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [p for p in corpus_module.stdlib_files() if p.name in ("json.py", "this.py", "abc.py")]
    monkeypatch.setattr(corpus_module, "stdlib_files", lambda: files)  # the first few files
    assert main(["corpus", "--builtin", "stdlib-docs", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["sequences"] == sum(1 for _ in corpus_module.stdlib_docstrings())
    assert "reading stdlib-docs:" in err and "source files" in err


def test_progress_line_for_large_files(
    lines: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(corpus_command, "PROGRESS_FROM_BYTES", 0)
    assert main(["corpus", str(lines), "--json"]) == 0
    err = capsys.readouterr().err
    assert f"reading {lines}: 100% (0 of 0 MB)" in err  # a log: the final state


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "give a FILE or --builtin stdlib-docs"),
        (["{file}", "--builtin", "stdlib-docs"], "give a FILE or --builtin stdlib-docs"),
        (["--builtin", "stdlib-docs", "--field", "x"], "--format and --field apply to a FILE"),
        (["{file}", "--batch-size", "0"], "argument --batch-size: must be from 1 to 1024, got 0"),
        (["{file}", "--buckets", "x"], "argument --buckets: expected an integer, got 'x'"),
        (["{file}", "--max-length", "99999999999"], "argument --max-length: must be from 1"),
        (["{file}", "--seed", "-1"], "argument --seed: must be from 0"),
        (["{file}", "--tokenizer", "bpe"], "argument --tokenizer: invalid choice: 'bpe'"),
        (["{file}", "--tokenizer", "ids"], "{file}, line 1: token 1 ('w') is not a token id"),
        (["{file}", "--field", "text"], "{file}: a field ('text') applies to jsonl and csv"),
        (["{file}.missing"], "cannot read {file}.missing: No such file or directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    lines: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["corpus", *(a.format(file=lines) for a in argv)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert message.format(file=lines) in err
