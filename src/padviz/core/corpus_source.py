"""Which corpus a training run or a bench uses, named by one string (a "corpus spec").

A spec is either `builtin:NAME` (a corpus padviz builds itself, padviz.core.corpus.BUILTINS) or
the path of a corpus file, read with its suffix's format (txt, .jsonl / .ndjson, .csv), the
default field ("text") and the word tokenizer. It is stored as given in configs and sessions,
and only read when a run or a bench starts.
"""

from __future__ import annotations

import os

from padviz.core.corpus import BUILTINS, Corpus, Progress, builtin_corpus, read_corpus
from padviz.core.errors import PadvizError
from padviz.core.text import check_text_length

BUILTIN_PREFIX = "builtin:"
MAX_SPEC_CHARS = 4096  # a path longer than any file system allows


def builtin_spec(name: str) -> str:
    return BUILTIN_PREFIX + name


def check_spec(field: str, spec: object, error: type[PadvizError]) -> str:
    """`spec` if it names a built-in corpus or looks like a path, else `error` naming `field`."""
    if not isinstance(spec, str) or not spec.strip():
        raise error(
            f"{field} must be a corpus file's path or {builtin_spec(BUILTINS[0])}, got {spec!r}"
        )
    check_text_length(field, spec, MAX_SPEC_CHARS, error=error)
    if "\0" in spec:
        raise error(f"{field} {spec!r} holds a NUL character, which no path can")
    if spec.startswith(BUILTIN_PREFIX) and spec[len(BUILTIN_PREFIX) :] not in BUILTINS:
        choices = ", ".join(builtin_spec(name) for name in BUILTINS)
        raise error(f"unknown built-in corpus {spec!r} for {field} (choose from {choices})")
    return spec


def stamp(spec: str) -> tuple[int, int] | None:
    """What changes when the file changes (size, mtime), so a read can be reused until then;
    None for a built-in corpus (its own cache checks its sources) or a file not there."""
    if spec.startswith(BUILTIN_PREFIX):
        return None
    try:
        st = os.stat(spec)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def load(spec: str, *, keep_ids: bool = False, progress: Progress | None = None) -> Corpus:
    """Read the corpus a spec names (CorpusError naming the file, line and problem)."""
    if spec.startswith(BUILTIN_PREFIX):
        return builtin_corpus(spec[len(BUILTIN_PREFIX) :], keep_ids=keep_ids, progress=progress)
    return read_corpus(spec, keep_ids=keep_ids, progress=progress)
