"""Reading a corpus: formats, tokenizers, bad input, the built-in corpus, explorer batches."""

from __future__ import annotations

import inspect
import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from padviz.core import corpus as corpus_module
from padviz.core.corpus import (
    Corpus,
    CorpusError,
    builtin_corpus,
    format_for,
    read_corpus,
    stdlib_files,
)
from padviz.core.corpus_stats import bucket_bounds, pick_batch


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_txt_words_chars_and_ids(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "the cat  sat\r\n  hi there \n7 8 9 10\n")
    assert read_corpus(path).lengths.tolist() == [3, 2, 4]
    # char: the characters without the surrounding whitespace (and line end)
    assert read_corpus(path, tokenizer="char").lengths.tolist() == [12, 8, 8]
    ids = write(tmp_path, "ids.txt", "5 0 9\n12\n")
    got = read_corpus(ids, tokenizer="ids", keep_ids=True)
    assert got.lengths.tolist() == [3, 1]
    assert got.ids is not None and got.ids.tolist() == [5, 0, 9, 12]
    assert got.vocab is None and got.token_text(12) == "12"


def test_word_ids_number_tokens_by_first_appearance(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "\ufeffb a b\nc a\n")  # a byte-order mark is not a token
    got = read_corpus(path, keep_ids=True)
    assert got.vocab == ("<pad>", "b", "a", "c")
    assert [got.sequence(i).tolist() for i in range(2)] == [[1, 2, 1], [3, 2]]
    assert [got.token_text(int(t)) for t in got.sequence(1)] == ["c", "a"]
    assert read_corpus(path).ids is None  # ids only when asked for


def test_lines_that_tokenise_to_nothing_are_counted(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "one\n\n   \ntwo words\n\n")
    got = read_corpus(path)
    assert got.lengths.tolist() == [1, 2]
    assert (got.empty, got.first_empty) == (3, 2)


def test_jsonl_text_field_and_lists_of_ids(tmp_path: Path) -> None:
    rows = [{"text": "a b c", "n": 1}, {"text": "d", "n": 2}]
    path = write(tmp_path, "a.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    assert read_corpus(path).lengths.tolist() == [3, 1]
    assert read_corpus(path, tokenizer="char").lengths.tolist() == [5, 1]
    other = write(tmp_path, "b.jsonl", '{"body": "x y"}\n\n{"body": ""}\n')
    got = read_corpus(other, field="body")
    assert got.lengths.tolist() == [2] and (got.empty, got.first_empty) == (2, 2)
    ids = write(tmp_path, "ids.jsonl", '{"input_ids": [101, 7, 102]}\n{"input_ids": [3]}\n')
    got = read_corpus(ids, field="input_ids", tokenizer="ids", keep_ids=True)
    assert got.lengths.tolist() == [3, 1]
    assert got.ids is not None and got.ids.tolist() == [101, 7, 102, 3]


def test_csv_column_with_quoted_newlines(tmp_path: Path) -> None:
    text = 'id,text,label\n1,"a b, c",x\n2,"two\nlines here",y\n\n3,,z\n4,d,w\n'
    path = write(tmp_path, "a.csv", text)
    got = read_corpus(path)
    assert got.lengths.tolist() == [3, 3, 1]
    assert (got.empty, got.first_empty) == (2, 5)  # the blank row and the empty field
    assert read_corpus(path, field="label", tokenizer="char").lengths.tolist() == [1, 1, 1, 1]


def test_format_comes_from_the_suffix_unless_named(tmp_path: Path) -> None:
    assert [format_for(n) for n in ("a.jsonl", "a.NDJSON", "a.csv", "a.txt", "train.en")] == [
        "jsonl",
        "jsonl",
        "csv",
        "txt",
        "txt",
    ]
    path = write(tmp_path, "data.en", '{"text": "a b"}\n')
    assert read_corpus(path).lengths.tolist() == [3]  # as txt: '{"text":', '"a', 'b"}'
    assert read_corpus(path, fmt="jsonl").lengths.tolist() == [2]
    assert read_corpus(path, fmt="txt", tokenizer="char").lengths.tolist() == [15]
    with pytest.raises(CorpusError, match=r"data\.en: a field \('text'\) applies to jsonl"):
        read_corpus(path, field="text")


def test_progress_reports_bytes_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_module, "PROGRESS_EVERY", 2)
    path = write(tmp_path, "a.txt", "a\nb\nc\nd\ne\n")
    seen: list[tuple[int, int]] = []
    read_corpus(path, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (10, 10)
    assert all(total == 10 for _, total in seen) and len(seen) >= 3


BAD = [
    ("empty.txt", b"", {}, "empty.txt: the file is empty"),
    ("blank.txt", b"\n \n\n", {}, "blank.txt: none of its 3 lines or records tokenises"),
    ("latin1.txt", b"ok\ncaf\xe9\n", {}, r"latin1.txt, line 2: not UTF-8 text \(byte 0xe9"),
    ("ids.txt", b"1 2\n3 x4 5\n", {"tokenizer": "ids"}, r"ids.txt, line 2: token 2 \('x4'\)"),
    ("neg.txt", b"-1\n", {"tokenizer": "ids"}, r"neg.txt, line 1: token 1 \('-1'\) is not"),
    ("big.txt", b"9" * 19 + b"\n", {"tokenizer": "ids"}, r"big.txt, line 1: token 1"),
    ("a.jsonl", b'{"text": "a"}\n[1, 2]\n', {}, r"a.jsonl, line 2: a JSON list, not an object"),
    ("b.jsonl", b'{"text": "a"}\n{"txt": 1}\n', {}, r"b.jsonl, line 2: no field 'text' \(its"),
    ("c.jsonl", b'{"text": \n', {}, r"c.jsonl, line 1: not JSON \(Expecting value"),
    ("d.jsonl", b'{"text": 5}\n', {}, r"d.jsonl, line 1: field 'text' is a JSON number"),
    ("e.jsonl", b'{"text": [1, 2]}\n', {}, r"e.jsonl, line 1: field 'text' is a list: lists"),
    (
        "f.jsonl",
        b'{"text": [1, 2.5]}\n',
        {"tokenizer": "ids"},
        r"f.jsonl, line 1: item 1 of field 'text' is 2.5, not a token id",
    ),
    (
        "g.jsonl",
        b'{"text": [true]}\n',
        {"tokenizer": "ids"},
        r"g.jsonl, line 1: item 0 of field 'text' is True",
    ),
    ("h.jsonl", b"[" * 100_000 + b"\n", {}, r"h.jsonl, line 1: JSON nested too deep"),
    ("a.csv", b"id,body\n1,a\n", {}, r"a.csv, line 1: no column 'text' \(the columns: 'id'"),
    ("b.csv", b"id,text\n1,a\n2\n", {}, r"b.csv, line 3: no column 'text' \(the row has 1"),
    ("c.csv", b"text\n", {}, r"c.csv: no rows after the header"),
    ("d.csv", b'text\n"a\n', {}, r"d.csv, line 2: bad CSV \(unexpected end of data\)"),
]


@pytest.mark.parametrize(("name", "data", "options", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_file_the_line_and_the_problem(
    tmp_path: Path, name: str, data: bytes, options: dict[str, str], message: str
) -> None:
    path = write(tmp_path, name, data)
    with pytest.raises(CorpusError, match=re.escape(str(tmp_path) + os.sep) + message):
        read_corpus(path, **options)  # type: ignore[arg-type]


def test_a_line_over_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_module, "MAX_LINE_BYTES", 10)
    path = write(tmp_path, "a.txt", "short\n" + "x" * 10 + "\n" + "y" * 11 + "\n")
    with pytest.raises(CorpusError, match=r"a.txt, line 3: the line is over 10 bytes"):
        read_corpus(path)


def test_too_many_sequences_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(corpus_module, "MAX_CORPUS_SEQUENCES", 2)
    path = write(tmp_path, "a.txt", "a\nb\nc\n")
    with pytest.raises(CorpusError, match=r"a.txt, line 3: more than 2 sequences"):
        read_corpus(path)


def test_missing_files_and_folders(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"cannot read .*nope.txt: No such file"):
        read_corpus(tmp_path / "nope.txt")
    with pytest.raises(CorpusError, match=r"cannot read .*: it is a folder"):
        read_corpus(tmp_path)


def test_unknown_format_and_tokenizer(tmp_path: Path) -> None:
    path = write(tmp_path, "a.txt", "a\n")
    with pytest.raises(CorpusError, match="unknown corpus format 'xml'"):
        read_corpus(path, fmt="xml")
    with pytest.raises(CorpusError, match="unknown tokenizer 'bpe'"):
        read_corpus(path, tokenizer="bpe")


@pytest.fixture(scope="module")
def stdlib_docs() -> Corpus:
    return builtin_corpus("stdlib-docs", keep_ids=True)


def test_the_builtin_corpus_is_thousands_of_docstrings(stdlib_docs: Corpus) -> None:
    import __future__

    assert stdlib_docs.lengths.size > 3000
    assert stdlib_docs.lengths.max() > 20 * np.median(stdlib_docs.lengths)  # variable length
    # the first file in sorted order is __future__.py; its module docstring comes first
    first = [stdlib_docs.token_text(int(t)) for t in stdlib_docs.sequence(0)]
    assert first == inspect.cleandoc(__future__.__doc__ or "").split()


def test_the_builtin_corpus_reads_sources_without_importing_them(stdlib_docs: Corpus) -> None:
    names = {path.name for path in stdlib_files()}
    assert {"antigravity.py", "this.py"} <= names  # importing them opens a browser, prints
    assert "antigravity" not in sys.modules and "this" not in sys.modules
    skipped = {"site-packages", "test", "encodings"}
    assert not any(skipped & set(path.parts) for path in stdlib_files())


def test_the_builtin_corpus_refuses_the_ids_tokenizer() -> None:
    with pytest.raises(CorpusError, match="stdlib-docs is text"):
        builtin_corpus("stdlib-docs", tokenizer="ids")
    with pytest.raises(CorpusError, match="unknown built-in corpus 'wiki'"):
        builtin_corpus("wiki")


# -- batches for the explorer ------------------------------------------------------------------
@pytest.fixture
def words(tmp_path: Path) -> Corpus:
    lines = [" ".join(f"w{(i * 7 + j) % 13}" for j in range(1 + i % 9)) for i in range(40)]
    return read_corpus(write(tmp_path, "w.txt", "\n".join(lines) + "\n"), keep_ids=True)


def _texts(corpus: Corpus, i: int) -> list[str]:
    return [corpus.token_text(int(t)) for t in corpus.sequence(i)]


def test_longest_batch_holds_the_longest_sequences_with_their_words(words: Corpus) -> None:
    batch = pick_batch(words, "longest", batch_size=5)
    assert batch.lengths == sorted(words.lengths.tolist(), reverse=True)[:5]
    first = int(np.argmax(words.lengths))
    assert [batch.token_text(t) for t in batch.sequences[0]] == _texts(words, first)


def test_random_batch_is_distinct_sequences_of_the_corpus(words: Corpus) -> None:
    batch = pick_batch(words, "random", batch_size=8, seed=3)
    texts = [[batch.token_text(t) for t in seq] for seq in batch.sequences]
    corpus_texts = [_texts(words, i) for i in range(words.lengths.size)]
    indices = [corpus_texts.index(t) for t in texts]
    assert len(batch.sequences) == 8 and all(t in corpus_texts for t in texts)
    assert batch.sequences == pick_batch(words, "random", batch_size=8, seed=3).sequences
    assert len(set(indices)) >= 7  # drawn without replacement (two lines may read the same)


def test_bucket_batch_comes_from_that_bucket(words: Corpus) -> None:
    ascending = np.sort(words.lengths)
    bounds = bucket_bounds(words.lengths.size, 4)
    for k in range(4):
        batch = pick_batch(words, "bucket", batch_size=6, bucket=k, buckets=4)
        low, high = ascending[bounds[k]], ascending[bounds[k + 1] - 1]
        assert len(batch.lengths) == 6 and all(low <= n <= high for n in batch.lengths)
    with pytest.raises(CorpusError, match="bucket 4 must be a whole number from 0 to 3"):
        pick_batch(words, "bucket", bucket=4, buckets=4)


def test_batch_without_ids_has_the_lengths_and_cut_to_max_length(tmp_path: Path) -> None:
    corpus = read_corpus(write(tmp_path, "a.txt", "a b c d e f\na\na b c\n"))
    batch = pick_batch(corpus, "longest", batch_size=2, max_length=4)
    assert batch.lengths == [4, 3] and batch.vocab is None
    with pytest.raises(CorpusError, match="unknown pick 'middle'"):
        pick_batch(corpus, "middle")


def test_a_2_gb_file_is_streamed_not_read_at_once(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:  # sparse: 2 GB of NUL bytes, no line end, no disk used
        fh.truncate(2 * 2**30)
    with pytest.raises(CorpusError, match=r"huge.txt, line 1: the line is over 1,048,576 bytes"):
        read_corpus(path)
