"""A user's corpus, read into one length per sequence (and token ids only when asked for).

Formats (`fmt`, else from the file's suffix: .jsonl or .ndjson, .csv; any other suffix is txt):
- txt: every line is a sequence;
- jsonl: every line is a JSON object whose field `field` (default "text") holds the text, or,
  with the ids tokenizer, a list of integer token ids;
- csv: a header row naming the columns, then one record per row; `field` names the column.

Tokenizers: word (whitespace-separated words, as str.split), char (the characters of the text
without its surrounding whitespace), ids (whitespace-separated non-negative integers).

Files are streamed line by line (no line over MAX_LINE_BYTES), so a file of any size is read in
memory proportional to its number of sequences. With `keep_ids=True` the token ids are kept too
(for word and char, ids in order of first appearance after the pad token 0, with the vocabulary).
A line or record that tokenises to nothing (a blank line, an empty field) is not a sequence: it
is counted in `Corpus.empty`, with the number of the first, never dropped silently. Every problem
raises CorpusError naming the file, the line and what is wrong.

The built-in corpus "stdlib-docs" is the docstrings (ast.get_docstring, cleaned) of the running
Python's standard library, one sequence per module, class and function, read with `ast` from
the source files under sysconfig's "stdlib" path (never imported). Files are taken in sorted
path order, docstrings in ast.walk order; left out are installed packages (site-packages,
dist-packages), the test suites (test, tests, idle_test), the codec tables (encodings) and
pydoc_data (generated text), and any file that fails to parse. Its lengths, ids and vocabulary
are cached on disk (padviz.core.corpus_cache), so only the first read parses.
"""

from __future__ import annotations

import ast
import csv
import json
import os
import sys
import sysconfig
import warnings
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from pathlib import Path

import numpy as np

from padviz.core import corpus_cache
from padviz.core.batch import PAD_ID, PAD_TEXT
from padviz.core.errors import PadvizError
from padviz.core.limits import MAX_CORPUS_KEPT_TOKENS, MAX_CORPUS_SEQUENCES, MAX_LINE_BYTES

FORMATS = ("txt", "jsonl", "csv")
TOKENIZERS = ("word", "char", "ids")
BUILTINS = ("stdlib-docs",)
DEFAULT_FIELD = "text"
SUFFIX_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
PROGRESS_EVERY = 1 << 16  # lines between two progress reports
MAX_ID = 2**63 - 1
_SKIPPED_DIRS = frozenset(
    ("site-packages", "dist-packages", "test", "tests", "idle_test", "encodings", "pydoc_data")
)

# progress(done, total): bytes of a file, or source files of the built-in corpus
Progress = Callable[[int, int], None]


class CorpusError(PadvizError):
    """A corpus that cannot be read; the message names the file, the line and the problem."""


@dataclass(frozen=True, eq=False)
class Corpus:
    """Sequence lengths (int64, each >= 1), and optionally their token ids, flat.

    `vocab[i]` is the text of id i for the word and char tokenizers (vocab[0] is the pad
    token); for the ids tokenizer `vocab` is None and ids are the file's own.
    """

    name: str
    tokenizer: str
    lengths: np.ndarray
    empty: int = 0  # lines or records that tokenised to nothing
    first_empty: int | None = None  # the line number of the first of them
    ids: np.ndarray | None = None
    vocab: tuple[str, ...] | None = None

    @cached_property
    def offsets(self) -> np.ndarray:
        """Where each sequence starts in `ids`, then the total: length len(lengths) + 1."""
        return np.concatenate(([0], np.cumsum(self.lengths)))

    def sequence(self, i: int) -> np.ndarray:
        if self.ids is None:
            raise CorpusError(f"the token ids of {self.name} were not kept")
        return self.ids[self.offsets[i] : self.offsets[i + 1]]

    def token_text(self, token_id: int) -> str:
        return str(token_id) if self.vocab is None else self.vocab[token_id]


def format_for(path: str | PathLike[str], fmt: str | None = None) -> str:
    """The format named, else the one its suffix says (txt for any other suffix)."""
    if fmt is None:
        return SUFFIX_FORMATS.get(Path(path).suffix.lower(), "txt")
    if fmt not in FORMATS:
        raise CorpusError(f"unknown corpus format {fmt!r} (choose from {', '.join(FORMATS)})")
    return fmt


def read_corpus(
    path: str | PathLike[str],
    *,
    fmt: str | None = None,
    field: str | None = None,
    tokenizer: str = "word",
    keep_ids: bool = False,
    progress: Progress | None = None,
) -> Corpus:
    """Read a corpus file (see the module's docstring); CorpusError on any problem."""
    where = os.fspath(path)
    fmt = format_for(path, fmt)
    _check_tokenizer(tokenizer)
    if field is not None and fmt == "txt":
        raise CorpusError(
            f"{where}: a field ({field!r}) applies to jsonl and csv files, and this one is "
            "read as txt (give the format)"
        )
    field = DEFAULT_FIELD if field is None else field
    out = _Collector(where, tokenizer, keep_ids)
    lines = _lines(path, where, progress)
    if fmt == "txt":
        for n, text in lines:
            out.text(n, text)
    elif fmt == "jsonl":
        _read_jsonl(lines, field, out)
    else:
        _read_csv(lines, field, out)
    return out.corpus(where)


def builtin_corpus(
    name: str = "stdlib-docs",
    *,
    tokenizer: str = "word",
    keep_ids: bool = False,
    progress: Progress | None = None,
) -> Corpus:
    """A corpus that needs no file (see the module's docstring)."""
    if name not in BUILTINS:
        raise CorpusError(f"unknown built-in corpus {name!r} (choose from {', '.join(BUILTINS)})")
    _check_tokenizer(tokenizer)
    if tokenizer == "ids":
        raise CorpusError(f"{name} is text: read it with the word or char tokenizer, not ids")
    where = f"{name} (Python {sys.version.split()[0]})"
    files = stdlib_files()
    path = corpus_cache.cache_path(name, tokenizer)
    key = corpus_cache.source_key(name, tokenizer, sysconfig.get_paths()["stdlib"], files)
    cached = corpus_cache.read(path, key, name, tokenizer)
    if cached is None:
        out = _Collector(where, tokenizer, keep_ids=True)
        for n, doc in enumerate(stdlib_docstrings(progress, files), start=1):
            out.text(n, doc)
        read = out.corpus(where)
        assert read.ids is not None and read.vocab is not None  # kept above
        cached = corpus_cache.Cached(
            read.lengths, read.ids, read.vocab, read.empty, read.first_empty
        )
        corpus_cache.write(path, key, name, tokenizer, cached)
    elif progress is not None:
        progress(len(files), len(files))
    ids, vocab = (cached.ids, cached.vocab) if keep_ids else (None, None)
    return Corpus(where, tokenizer, cached.lengths, cached.empty, cached.first_empty, ids, vocab)


def stdlib_files() -> list[Path]:
    """The standard library's source files the built-in corpus reads, in sorted order."""
    root = sysconfig.get_paths()["stdlib"]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_DIRS and not d.startswith("__"))
        found += [Path(folder, f) for f in sorted(files) if f.endswith(".py")]
    return found


def stdlib_docstrings(
    progress: Progress | None = None, files: list[Path] | None = None
) -> Iterator[str]:
    """Every non-empty docstring of the files of `stdlib_files`, parsed, never imported."""
    files = stdlib_files() if files is None else files
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    for done, path in enumerate(files):
        if progress is not None:
            progress(done, len(files))
        try:
            with warnings.catch_warnings():  # invalid escapes in old sources warn while parsing
                warnings.simplefilter("ignore")
                tree = ast.parse(path.read_bytes(), filename=str(path))
        except (SyntaxError, ValueError, OSError, RecursionError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, kinds):
                doc = ast.get_docstring(node)
                if doc:
                    yield doc
    if progress is not None:
        progress(len(files), len(files))


def _check_tokenizer(tokenizer: str) -> None:
    if tokenizer not in TOKENIZERS:
        raise CorpusError(f"unknown tokenizer {tokenizer!r} (choose from {', '.join(TOKENIZERS)})")


def _lines(
    path: str | PathLike[str], where: str, progress: Progress | None
) -> Iterator[tuple[int, str]]:
    """(line number, text with its line end) for each line, decoded as UTF-8, streamed."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below, also on an error
    except IsADirectoryError:
        raise CorpusError(f"cannot read {where}: it is a folder") from None
    except OSError as exc:
        raise CorpusError(f"cannot read {where}: {exc.strerror or exc}") from None
    with fh:
        total = os.fstat(fh.fileno()).st_size
        readline = fh.readline
        n = 0
        while raw := readline(MAX_LINE_BYTES + 1):
            n += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                raise CorpusError(
                    f"{where}, line {n}: the line is over {MAX_LINE_BYTES:,} bytes, the most "
                    "padviz reads in one line"
                )
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CorpusError(
                    f"{where}, line {n}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at byte "
                    f"{exc.start + 1} of the line)"
                ) from None
            if n == 1:
                text = text.removeprefix("\ufeff")
            if progress is not None and n % PROGRESS_EVERY == 0:
                progress(fh.tell(), total)
            yield n, text
        if n == 0:
            raise CorpusError(f"{where}: the file is empty")
        if progress is not None:
            progress(total, total)


def _read_jsonl(lines: Iterator[tuple[int, str]], field: str, out: _Collector) -> None:
    where = out.where
    for n, line in lines:
        if not line.strip():
            out.nothing(n)
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CorpusError(
                f"{where}, line {n}: not JSON ({exc.msg} at column {exc.colno})"
            ) from None
        except RecursionError:
            raise CorpusError(f"{where}, line {n}: JSON nested too deep") from None
        if not isinstance(record, dict):
            raise CorpusError(
                f"{where}, line {n}: a JSON {_json_kind(record)}, not an object with a "
                f"{field!r} field"
            )
        if field not in record:
            keys = ", ".join(repr(k) for k in list(record)[:8]) or "none"
            raise CorpusError(f"{where}, line {n}: no field {field!r} (its fields: {keys})")
        value = record[field]
        if isinstance(value, str):
            out.text(n, value)
        elif isinstance(value, list):
            out.id_list(n, field, value)
        else:
            raise CorpusError(
                f"{where}, line {n}: field {field!r} is a JSON {_json_kind(value)}, not text "
                "or a list of token ids"
            )


def _read_csv(lines: Iterator[tuple[int, str]], field: str, out: _Collector) -> None:
    where = out.where
    rows = csv.reader((text for _, text in lines), strict=True)
    try:
        header = next(rows)
        if field not in header:
            shown = ", ".join(repr(c) for c in header[:8]) or "none"
            raise CorpusError(f"{where}, line 1: no column {field!r} (the columns: {shown})")
        column = header.index(field)
        start = rows.line_num + 1
        for row in rows:
            if not row:
                out.nothing(start)
            elif column >= len(row):
                raise CorpusError(
                    f"{where}, line {start}: no column {field!r} (the row has {len(row)} of "
                    f"the header's {len(header)} columns)"
                )
            else:
                out.text(start, row[column])
            start = rows.line_num + 1
    except csv.Error as exc:
        raise CorpusError(f"{where}, line {rows.line_num}: bad CSV ({exc})") from None
    if not out.lengths and not out.empty:
        raise CorpusError(f"{where}: no rows after the header")


def _json_kind(value: object) -> str:
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


class _Collector:
    """Lengths (and ids when kept) of the sequences read so far."""

    def __init__(self, where: str, tokenizer: str, keep_ids: bool) -> None:
        self.where, self.tokenizer = where, tokenizer
        self.lengths = array("q")
        self.ids: array[int] | None = array("q") if keep_ids else None
        self.vocab: dict[str, int] | None = (
            {PAD_TEXT: PAD_ID} if keep_ids and tokenizer != "ids" else None
        )
        self.empty = 0
        self.first_empty: int | None = None

    def nothing(self, n: int) -> None:
        self.empty += 1
        if self.first_empty is None:
            self.first_empty = n

    def text(self, n: int, text: str) -> None:
        if self.tokenizer == "char":
            chars = text.strip()
            self._add(n, len(chars), chars)
            return
        words = text.split()
        if self.tokenizer == "ids":
            digits = "".join(words)
            if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
                self._check_ids(n, words)
            if self.ids is not None and words:
                self._count(n, len(words))
                self.ids.extend(map(int, words))
                return
        self._add(n, len(words), words)

    def id_list(self, n: int, field: str, values: list[object]) -> None:
        if self.tokenizer != "ids":
            raise CorpusError(
                f"{self.where}, line {n}: field {field!r} is a list: lists of token ids are "
                "read with the ids tokenizer"
            )
        for i, v in enumerate(values):
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_ID:
                raise CorpusError(
                    f"{self.where}, line {n}: item {i} of field {field!r} is {_shown(v)}, not "
                    "a token id (an integer >= 0)"
                )
        self._count(n, len(values))
        if self.ids is not None:
            self.ids.extend(values)  # type: ignore[arg-type]  # checked to be ints above

    def _check_ids(self, n: int, words: list[str]) -> None:
        for i, w in enumerate(words):
            if not (w.isascii() and w.isdigit()) or int(w) > MAX_ID:
                raise CorpusError(
                    f"{self.where}, line {n}: token {i + 1} ({_shown(w)}) is not a token id "
                    "(an integer >= 0 below 2**63)"
                )

    def _add(self, n: int, length: int, tokens: list[str] | str) -> None:
        self._count(n, length)
        if self.ids is not None and self.vocab is not None:
            vocab = self.vocab
            self.ids.extend([vocab.setdefault(t, len(vocab)) for t in tokens])

    def _count(self, n: int, length: int) -> None:
        if not length:
            self.nothing(n)
            return
        if len(self.lengths) >= MAX_CORPUS_SEQUENCES:
            raise CorpusError(
                f"{self.where}, line {n}: more than {MAX_CORPUS_SEQUENCES:,} sequences, the "
                "most padviz reads"
            )
        self.lengths.append(length)
        if self.ids is not None and len(self.ids) + length > MAX_CORPUS_KEPT_TOKENS:
            raise CorpusError(
                f"{self.where}, line {n}: more than {MAX_CORPUS_KEPT_TOKENS:,} tokens, the most "
                "padviz keeps for training"
            )

    def corpus(self, where: str) -> Corpus:
        if not self.lengths:
            raise CorpusError(
                f"{where}: none of its {self.empty:,} lines or records tokenises to anything "
                f"with the {self.tokenizer} tokenizer"
            )
        ids = None if self.ids is None else np.frombuffer(self.ids, np.int64)
        vocab = None if self.vocab is None else tuple(self.vocab)
        lengths = np.frombuffer(self.lengths, np.int64)
        lengths.flags.writeable = False
        return Corpus(where, self.tokenizer, lengths, self.empty, self.first_empty, ids, vocab)


def _shown(value: object, limit: int = 30) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
