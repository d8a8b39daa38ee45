"""The built-in corpus's lengths, ids and vocabulary, cached on disk between runs.

Reading stdlib-docs parses every standard-library source file (10-20 s); the cache makes a
second read take milliseconds. One file per (corpus, tokenizer, Python): `cache_dir()` /
`stdlib-docs-word-cpython-311.bin`, holding a key (a SHA-256 of the cache format, the Python
version, the stdlib folder and every source file's name, size and mtime), so a changed standard
library or another Python rebuilds it.

The folder: $PADVIZ_CACHE_DIR if set (tests point it at a temporary folder); else
$XDG_CACHE_HOME/padviz (default ~/.cache/padviz) on Linux and other Unixes,
~/Library/Caches/padviz on macOS, %LOCALAPPDATA%\\padviz\\cache on Windows.

The file is written atomically (a temporary name beside it, then os.replace) and read as
untrusted: bounded in size, every count and value checked against the others and the file's
size. A cache that is missing, stale, damaged or unreadable is ignored (and rebuilt by the
caller); a cache that cannot be written is skipped: it is only a cache.

Layout: MAGIC, one JSON header line (at most MAX_HEADER_BYTES: key, name, tokenizer, sequences,
tokens, vocab_bytes, empty, first_empty), the lengths and the ids as little-endian int64, then
the vocabulary as a UTF-8 JSON list of strings.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from padviz.core.batch import PAD_TEXT
from padviz.core.limits import MAX_CORPUS_KEPT_TOKENS, MAX_CORPUS_SEQUENCES

MAGIC = b"padviz corpus cache 1\n"
FORMAT = 1  # bump when the layout or what the built-in corpus reads changes
MAX_HEADER_BYTES = 4096
MAX_VOCAB_BYTES = 64 * 2**20
MAX_CACHE_BYTES = (
    len(MAGIC)
    + MAX_HEADER_BYTES
    + 8 * (MAX_CORPUS_SEQUENCES + MAX_CORPUS_KEPT_TOKENS)
    + MAX_VOCAB_BYTES
)
_INT64 = np.dtype("<i8")


@dataclass(frozen=True)
class Cached:
    """What a cache file holds: a corpus read with keep_ids=True."""

    lengths: np.ndarray
    ids: np.ndarray
    vocab: tuple[str, ...]
    empty: int
    first_empty: int | None


def cache_dir() -> Path:
    """The user's cache folder for padviz (see the module's docstring)."""
    override = os.environ.get("PADVIZ_CACHE_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "padviz" / "cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "padviz"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "padviz"


def cache_path(name: str, tokenizer: str) -> Path:
    return cache_dir() / f"{name}-{tokenizer}-{sys.implementation.cache_tag}.bin"


def source_key(name: str, tokenizer: str, root: str, files: list[Path]) -> str:
    """A hash of what the corpus is read from: a changed, added or removed file changes it."""
    digest = hashlib.sha256(f"{FORMAT}\0{sys.version}\0{name}\0{tokenizer}\0{root}".encode())
    for path in files:
        try:
            st = path.stat()
        except OSError:
            continue  # the reader skips it too
        digest.update(f"\0{path}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return digest.hexdigest()


def read(path: Path, key: str, name: str, tokenizer: str) -> Cached | None:
    """The cached corpus if `path` holds a valid cache for `key`, else None."""
    try:
        if not path.is_file():  # a folder, or a pipe that would block the read
            return None
        with open(path, "rb") as fh:
            return _read(fh, os.fstat(fh.fileno()).st_size, key, name, tokenizer)
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        return None


def _read(fh: BinaryIO, size: int, key: str, name: str, tokenizer: str) -> Cached | None:
    if size > MAX_CACHE_BYTES or fh.read(len(MAGIC)) != MAGIC:
        return None
    line = fh.readline(MAX_HEADER_BYTES + 1)
    if len(line) > MAX_HEADER_BYTES or not line.endswith(b"\n"):
        return None
    head = json.loads(line)
    if not isinstance(head, dict):
        return None
    if (head.get("key"), head.get("name"), head.get("tokenizer")) != (key, name, tokenizer):
        return None
    sequences, tokens, vocab_bytes, empty = (
        _count(head.get(k)) for k in ("sequences", "tokens", "vocab_bytes", "empty")
    )
    first_empty = None if empty == 0 else _count(head.get("first_empty"))
    if (first_empty is None) != (head.get("first_empty") is None) or first_empty == 0:
        return None
    if (
        not 1 <= sequences <= MAX_CORPUS_SEQUENCES
        or tokens > MAX_CORPUS_KEPT_TOKENS
        or vocab_bytes > MAX_VOCAB_BYTES
        or size != len(MAGIC) + len(line) + 8 * (sequences + tokens) + vocab_bytes
    ):
        return None
    lengths = np.frombuffer(fh.read(8 * sequences), _INT64).astype(np.int64)
    ids = np.frombuffer(fh.read(8 * tokens), _INT64).astype(np.int64)
    vocab = json.loads(fh.read(vocab_bytes).decode("utf-8"))
    if (
        not isinstance(vocab, list)
        or not vocab
        or vocab[0] != PAD_TEXT
        or not all(isinstance(v, str) for v in vocab)
        or len(set(vocab)) != len(vocab)
        or lengths.min() < 1
        or int(lengths.sum()) != tokens
        or (tokens and (ids.min() < 0 or ids.max() >= len(vocab)))
    ):
        return None
    lengths.flags.writeable = False
    return Cached(lengths, ids, tuple(vocab), empty, first_empty)


def _count(value: object) -> int:
    """A count from the header: a whole number >= 0 (ValueError: the cache is not valid)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"not a count: {value!r}")
    return value


def write(path: Path, key: str, name: str, tokenizer: str, corpus: Cached) -> None:
    """Write the cache all or nothing; any failure leaves no file and is not an error."""
    vocab = json.dumps(list(corpus.vocab), ensure_ascii=False).encode("utf-8")
    head = {
        "key": key,
        "name": name,
        "tokenizer": tokenizer,
        "sequences": len(corpus.lengths),
        "tokens": len(corpus.ids),
        "vocab_bytes": len(vocab),
        "empty": corpus.empty,
        "first_empty": corpus.first_empty,
    }
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(MAGIC + json.dumps(head).encode("ascii") + b"\n")
            fh.write(np.ascontiguousarray(corpus.lengths, _INT64).tobytes())
            fh.write(np.ascontiguousarray(corpus.ids, _INT64).tobytes())
            fh.write(vocab)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temporary, path)
        temporary = None
    except OSError:
        pass
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
