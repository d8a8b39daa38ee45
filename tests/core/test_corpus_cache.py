"""The built-in corpus's disk cache: the same corpus as a fresh read, rebuilt when its sources
change, and any damaged file ignored (read as untrusted) and replaced."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from padviz.core import corpus as corpus_module
from padviz.core import corpus_cache
from padviz.core.corpus import Corpus, builtin_corpus

DOCS = ['"""The first module. Its words."""\n', '"""Second."""\ndef f():\n    """A b c."""\n']


@pytest.fixture
def sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """A tiny 'standard library' of two files, and a cache folder of this test's own."""
    monkeypatch.setenv("PADVIZ_CACHE_DIR", str(tmp_path / "cache"))
    files = []
    for i, text in enumerate(DOCS):
        files.append(tmp_path / f"m{i}.py")
        files[-1].write_text(text, encoding="utf-8")
    monkeypatch.setattr(corpus_module, "stdlib_files", lambda: list(files))
    return files


def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def parse(*args: object) -> None:
        raise AssertionError("the sources were parsed although the cache holds them")

    monkeypatch.setattr(corpus_module, "stdlib_docstrings", parse)


def same(a: Corpus, b: Corpus) -> bool:
    assert a.ids is not None and b.ids is not None
    return (
        np.array_equal(a.lengths, b.lengths)
        and np.array_equal(a.ids, b.ids)
        and a.vocab == b.vocab
        and (a.name, a.tokenizer, a.empty, a.first_empty)
        == (b.name, b.tokenizer, b.empty, b.first_empty)
    )


@pytest.mark.parametrize("tokenizer", ["word", "char"])
def test_a_second_read_comes_from_the_cache_and_equals_the_first(
    sources: list[Path], monkeypatch: pytest.MonkeyPatch, tokenizer: str
) -> None:
    fresh = builtin_corpus(tokenizer=tokenizer, keep_ids=True)
    assert fresh.lengths.tolist() == (
        [5, 1, 3] if tokenizer == "word" else [len("The first module. Its words."), 7, 6]
    )
    assert corpus_cache.cache_path("stdlib-docs", tokenizer).is_file()
    no_parsing(monkeypatch)
    assert same(builtin_corpus(tokenizer=tokenizer, keep_ids=True), fresh)
    lengths_only = builtin_corpus(tokenizer=tokenizer)
    assert lengths_only.ids is None and lengths_only.vocab is None
    assert lengths_only.lengths.tolist() == fresh.lengths.tolist()


def test_a_changed_source_file_rebuilds_the_cache(sources: list[Path]) -> None:
    builtin_corpus()
    sources[0].write_text('"""Now six short words in it."""\n', encoding="utf-8")
    st = sources[0].stat()
    os.utime(sources[0], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert builtin_corpus().lengths.tolist() == [6, 1, 3]
    sources.pop()  # a file fewer
    assert builtin_corpus().lengths.tolist() == [6]


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    magic = len(corpus_cache.MAGIC)
    head_end = data.index(b"\n", magic) + 1
    head = json.loads(data[magic:head_end])
    body = data[head_end:]
    if how == "truncated":
        path.write_bytes(data[:-3])
    elif how == "longer":
        path.write_bytes(data + b"\0" * 8)
    elif how == "magic":
        path.write_bytes(b"X" + data[1:])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "header is not JSON":
        path.write_bytes(data[:magic] + b"{not json\n" + body)
    elif how == "header is a list":
        path.write_bytes(data[:magic] + b"[1, 2]\n" + body)
    elif how == "header without an end":
        path.write_bytes(data[:magic] + b"{" + b" " * (corpus_cache.MAX_HEADER_BYTES + 10))
    elif how.startswith("header "):
        key, value = how.split()[1], json.loads(how.split(maxsplit=2)[2])
        head[key] = value
        path.write_bytes(data[:magic] + json.dumps(head).encode() + b"\n" + body)
    elif how == "a length of 0":
        path.write_bytes(data[:head_end] + (0).to_bytes(8, "little") + body[8:])
    elif how == "an id past the vocabulary":
        at = 8 * head["sequences"]
        big = (10**6).to_bytes(8, "little")
        path.write_bytes(data[:head_end] + body[:at] + big + body[at + 8 :])
    elif how == "vocabulary not UTF-8":
        path.write_bytes(data[:-2] + b"\xff]")
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "truncated",
        "longer",
        "magic",
        "empty",
        "header is not JSON",
        "header is a list",
        "header without an end",
        'header key "0000"',
        'header tokenizer "char"',
        "header sequences -1",
        "header sequences 10000000000",
        'header tokens "8"',
        "header empty true",
        "header first_empty 3",
        "a length of 0",
        "an id past the vocabulary",
        "vocabulary not UTF-8",
    ],
)
def test_a_damaged_cache_is_ignored_and_rebuilt(sources: list[Path], how: str) -> None:
    fresh = builtin_corpus(keep_ids=True)
    path = corpus_cache.cache_path("stdlib-docs", "word")
    damage(path, how)
    key = corpus_cache.source_key(
        "stdlib-docs", "word", corpus_module.sysconfig.get_paths()["stdlib"], sources
    )
    assert corpus_cache.read(path, key, "stdlib-docs", "word") is None
    assert same(builtin_corpus(keep_ids=True), fresh)
    assert corpus_cache.read(path, key, "stdlib-docs", "word") is not None  # rewritten


def test_a_cache_that_cannot_be_written_or_read_is_only_skipped(
    sources: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PADVIZ_CACHE_DIR", str(blocker))
    assert builtin_corpus().lengths.tolist() == [5, 1, 3]
    assert list(tmp_path.glob("**/*.tmp")) == []
    monkeypatch.setenv("PADVIZ_CACHE_DIR", str(tmp_path / "cache2"))
    corpus_cache.cache_path("stdlib-docs", "word").mkdir(parents=True)  # a folder in its place
    assert builtin_corpus().lengths.tolist() == [5, 1, 3]
    if hasattr(os, "mkfifo"):  # a pipe in its place: reading it would wait forever
        monkeypatch.setenv("PADVIZ_CACHE_DIR", str(tmp_path / "cache3"))
        (tmp_path / "cache3").mkdir()
        os.mkfifo(corpus_cache.cache_path("stdlib-docs", "word"))
        assert builtin_corpus().lengths.tolist() == [5, 1, 3]


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("linux", {"XDG_CACHE_HOME": "/x/cache"}, "/x/cache/padviz"),
        ("linux", {}, "~/.cache/padviz"),
        ("darwin", {"XDG_CACHE_HOME": "/x/cache"}, "~/Library/Caches/padviz"),
        ("win32", {"LOCALAPPDATA": "/x/local"}, "/x/local/padviz/cache"),
        ("linux", {"PADVIZ_CACHE_DIR": "/y", "XDG_CACHE_HOME": "/x"}, "/y"),
    ],
)
def test_the_cache_folder_per_platform(
    monkeypatch: pytest.MonkeyPatch, platform: str, env: dict[str, str], expected: str
) -> None:
    for name in ("PADVIZ_CACHE_DIR", "XDG_CACHE_HOME", "LOCALAPPDATA"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "platform", platform)
    assert corpus_cache.cache_dir() == Path(expected).expanduser()
