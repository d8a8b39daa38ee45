"""Batches of variable-length token sequences: building, editing, validating, JSON files.

A batch is a list of sequences of token ids. Id 0 (`PAD_ID`) is reserved for padding and never
appears inside a sequence. A batch may carry one label per sequence and a vocabulary (id -> token
text, with vocab[0] the text of the pad token, e.g. "<pad>").

JSON schema (`to_json` / `from_json`; files via `save_json` / `load_json`), version 1::

    {
      "format": "padviz-batch",          required, exactly this string
      "version": 1,                      required, exactly 1
      "name": "article",                 optional string
      "description": "...",              optional string
      "feature_size": 100,               optional integer >= 1 (the embedding width assumed for
                                         memory figures)
      "vocab": ["<pad>", "the", "cat"],  optional list of >= 2 strings; index = token id
      "vocab_size": 16,                  optional integer >= 2, for a batch without "vocab": the
                                         ids range over 1..vocab_size-1
      "sequences": [[1, 2], [2, 1, 2]],  required non-empty list of non-empty lists of token ids:
                                         integers >= 1, below len(vocab) or vocab_size
      "labels": [0, 1]                   optional list of integers >= 0, one per sequence
    }

Unknown keys are refused (they are usually typos). Every problem raises `BatchError` (a
ValueError) with a message naming the bad value and where it is.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from typing import Any, Literal

import numpy as np

from padviz.core import json_files
from padviz.core.errors import PadvizError
from padviz.core.files import write_text_atomically
from padviz.core.limits import (
    MAX_LENGTH,
    MAX_NAME_CHARS,
    MAX_SEQUENCES,
    MAX_TEXT_CHARS,
    MAX_WORD_CHARS,
)
from padviz.core.options import is_whole, whole_number
from padviz.core.text import check_text_length
from padviz.resources import asset

PAD_ID = 0
PAD_TEXT = "<pad>"
FORMAT = "padviz-batch"
VERSION = 1
MAX_LENGTH_CAP = MAX_LENGTH
BATCH_CAP = MAX_SEQUENCES
_JSON_KEYS = frozenset(
    (
        "format",
        "version",
        "name",
        "description",
        "feature_size",
        "vocab",
        "vocab_size",
        "sequences",
        "labels",
    )
)


class BatchError(PadvizError):
    """Bad batch data; the message names the bad value and where it is."""


@dataclass(frozen=True)
class Batch:
    """An immutable batch; the editing methods return new batches.

    The dataclass itself accepts empty sequences so that a layout can demonstrate the length-0
    pitfall; `validate()`, which every constructor below calls, refuses them by default.
    Lists are accepted for the tuple fields and stored as tuples. `n_ids` is the size of the
    id space (pad included) of a batch without vocabulary text: it keeps the ids that editing
    fills in within the generator's range.
    """

    sequences: tuple[tuple[int, ...], ...]
    labels: tuple[int, ...] | None = None
    vocab: tuple[str, ...] | None = None
    name: str = ""
    feature_size: int | None = None
    description: str = ""
    n_ids: int | None = None

    def __post_init__(self) -> None:
        seqs = self.sequences
        if not (isinstance(seqs, tuple) and all(type(s) is tuple for s in seqs)):
            object.__setattr__(self, "sequences", tuple(tuple(s) for s in seqs))
        if self.labels is not None and not isinstance(self.labels, tuple):
            object.__setattr__(self, "labels", tuple(self.labels))
        if self.vocab is not None and not isinstance(self.vocab, tuple):
            object.__setattr__(self, "vocab", tuple(self.vocab))

    # -- derived views (cached; editing methods hand them on to the new batch) ---------------
    @property
    def lengths(self) -> list[int]:
        return self.lengths_array.tolist()

    @property
    def max_length(self) -> int:
        return int(self.lengths_array.max(initial=0))

    @property
    def vocab_size(self) -> int:
        """len(vocab), else n_ids, else one more than the largest id (at least 2)."""
        if self.vocab is not None:
            return len(self.vocab)
        if self.n_ids is not None:
            return self.n_ids
        return max(int(self.flat_values.max(initial=0)) + 1, 2)

    @cached_property
    def lengths_array(self) -> np.ndarray:
        """Lengths as a read-only int64 array."""
        lens = np.fromiter(map(len, self.sequences), np.int64, count=len(self.sequences))
        return _frozen(lens)

    @cached_property
    def offsets(self) -> np.ndarray:
        """Where each sequence starts in `flat_values`, then the total: length B + 1."""
        return _frozen(_offsets(self.lengths_array))

    @cached_property
    def flat_values(self) -> np.ndarray:
        """All token ids, sequence after sequence, as a read-only int64 array."""
        flat = list(itertools.chain.from_iterable(self.sequences))
        arr = np.array(flat) if flat else np.zeros(0, np.int64)
        if arr.dtype.kind != "i" or arr.ndim != 1:
            k = next(i for i, v in enumerate(flat) if not is_whole(v) or abs(v) >= 2**63)
            what = "is too large" if is_whole(flat[k]) else "is not an integer id"
            raise BatchError(f"token {flat[k]!r} {self._where(k)} {what}")
        return _frozen(arr.astype(np.int64, copy=False))

    def _where(self, flat_index: int) -> str:
        seq = int(np.searchsorted(self.offsets, flat_index, side="right")) - 1
        return f"at sequence {seq}, position {flat_index - int(self.offsets[seq])}"

    def token_text(self, token_id: int) -> str:
        """A token's vocabulary entry, or the id itself ("<pad>" for 0) without a vocabulary."""
        if self.vocab is not None:
            if not 0 <= token_id < len(self.vocab):
                raise BatchError(
                    f"token id {token_id} is outside the vocabulary (ids 0..{len(self.vocab) - 1})"
                )
            return self.vocab[token_id]
        return PAD_TEXT if token_id == PAD_ID else str(token_id)

    # -- validation ----------------------------------------------------------------------------
    def validate(
        self,
        max_length_cap: int = MAX_LENGTH_CAP,
        batch_cap: int = BATCH_CAP,
        *,
        allow_zero_length: bool = False,
    ) -> None:
        """Raise BatchError for the first problem found."""
        if not isinstance(self.name, str) or not isinstance(self.description, str):
            raise BatchError("name and description must be strings")
        check_text_length("name", self.name, MAX_NAME_CHARS, BatchError)
        check_text_length("description", self.description, MAX_TEXT_CHARS, BatchError)
        whole_number("feature size", self.feature_size, low=1, error=BatchError, none=True)
        _check_lengths(self.lengths, max_length_cap, batch_cap, allow_zero_length)
        if self.n_ids is not None:
            whole_number("vocabulary size", self.n_ids, low=2, error=BatchError)
            if self.vocab is not None and self.n_ids != len(self.vocab):
                raise BatchError(
                    f"vocabulary size {self.n_ids} disagrees with the {len(self.vocab)} "
                    "vocabulary entries"
                )
        if self.vocab is not None:
            if len(self.vocab) < 2:
                raise BatchError(
                    f"the vocabulary has {len(self.vocab)} entries: it needs the pad token and "
                    "at least one real token"
                )
            for i, text in enumerate(self.vocab):
                if not isinstance(text, str):
                    raise BatchError(f"vocabulary entry {i} is {text!r}, not a string")
                check_text_length(f"vocabulary entry {i}", text, MAX_WORD_CHARS, BatchError)
        self._check_ids()
        self._check_labels()

    def _check_ids(self) -> None:
        values = self.flat_values
        limit = self.vocab_size if self.vocab is not None or self.n_ids is not None else None
        bad = values < 1 if limit is None else (values < 1) | (values >= limit)
        if not bad.any():
            return
        k = int(np.argmax(bad))
        tok = int(values[k])
        if tok == PAD_ID:
            raise BatchError(
                f"token id 0 {self._where(k)} is the padding id: real tokens must be 1 or more"
            )
        if tok < 0 or limit is None:
            raise BatchError(f"token id {tok} {self._where(k)} is negative")
        raise BatchError(
            f"token id {tok} {self._where(k)} is outside the vocabulary "
            f"(real ids are 1..{limit - 1})"
        )

    def _check_labels(self) -> None:
        if self.labels is None:
            return
        if len(self.labels) != len(self.sequences):
            raise BatchError(
                f"{len(self.labels)} labels for {len(self.sequences)} sequences: "
                "give one label per sequence"
            )
        for i, label in enumerate(self.labels):
            if not is_whole(label) or label < 0:
                raise BatchError(f"label {label!r} of sequence {i} must be a whole number >= 0")

    # -- editing -------------------------------------------------------------------------------
    def with_lengths(self, lengths: Sequence[int], seed: int = 0) -> Batch:
        """A batch with these lengths. Tokens are kept where a sequence still reaches them; new
        positions get ids that depend only on (seed, sequence, position), so growing, shrinking
        and growing a sequence again gives the same tokens back."""
        _check_lengths(lengths, MAX_LENGTH_CAP, BATCH_CAP, False)
        new_len = np.asarray(lengths, np.int64)
        shared = min(len(new_len), len(self.sequences))
        old_len = np.zeros_like(new_len)
        old_len[:shared] = self.lengths_array[:shared]
        kept = np.minimum(old_len, new_len)
        same = old_len == new_len

        # Tokens only for the sequences whose length changed; the others are reused whole.
        changed = np.flatnonzero(~same)
        starts = _offsets(new_len[changed])
        seq = np.repeat(changed, new_len[changed])
        time = np.arange(int(starts[-1])) - np.repeat(starts[:-1], new_len[changed])
        keep = time < kept[seq]
        fresh = np.empty(len(seq), np.int64)
        fresh[keep] = self.flat_values[self.offsets[seq[keep]] + time[keep]]
        fresh[~keep] = _fill_tokens(seed, seq[~keep], time[~keep], self.vocab_size)

        flat, bounds = fresh.tolist(), starts.tolist()
        slot = dict(zip(changed.tolist(), range(len(changed)), strict=True))
        seqs = tuple(
            self.sequences[i] if same[i] else tuple(flat[bounds[slot[i]] : bounds[slot[i] + 1]])
            for i in range(len(new_len))
        )
        old_off = self.offsets.tolist()
        pieces = [
            self.flat_values[old_off[i] : old_off[i + 1]]
            if same[i]
            else fresh[bounds[slot[i]] : bounds[slot[i] + 1]]
            for i in range(len(new_len))
        ]
        values = np.concatenate(pieces) if pieces else np.zeros(0, np.int64)
        labels = None
        if self.labels is not None:
            labels = self.labels[: len(new_len)] + (0,) * max(0, len(new_len) - len(self.labels))
        return _with_arrays(
            dataclasses.replace(self, sequences=seqs, labels=labels), values, new_len
        )

    def with_sequence_length(self, i: int, n: int) -> Batch:
        self._check_index(i)
        lengths = self.lengths
        lengths[i] = n
        return self.with_lengths(lengths)

    def add_sequence(self, length: int) -> Batch:
        return self.with_lengths([*self.lengths, length])

    def remove(self, i: int) -> Batch:
        self._check_index(i)
        if len(self.sequences) == 1:
            raise BatchError("cannot remove the last sequence: a batch needs at least one")
        return self._take(np.delete(np.arange(len(self.sequences)), i))

    def duplicate(self, i: int) -> Batch:
        """Insert a copy of sequence i (and its label) right after it."""
        self._check_index(i)
        if len(self.sequences) >= BATCH_CAP:
            raise BatchError(f"the batch already holds the maximum of {BATCH_CAP} sequences")
        return self._take(np.insert(np.arange(len(self.sequences)), i + 1, i))

    def _take(self, index: np.ndarray) -> Batch:
        """The batch made of these sequences (by index, repeats allowed), arrays carried over."""
        lens = self.lengths_array[index]
        starts = np.repeat(self.offsets[:-1][index], lens)
        within = np.arange(int(lens.sum())) - np.repeat(_offsets(lens)[:-1], lens)
        values = self.flat_values[starts + within]
        picked = index.tolist()
        labels = None if self.labels is None else tuple(self.labels[j] for j in picked)
        seqs = tuple(self.sequences[j] for j in picked)
        return _with_arrays(dataclasses.replace(self, sequences=seqs, labels=labels), values, lens)

    def _check_index(self, i: int) -> None:
        if not (is_whole(i) and 0 <= i < len(self.sequences)):
            raise BatchError(
                f"sequence index {i!r} is out of range (the batch has {len(self.sequences)})"
            )


def _frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


def _offsets(lengths: np.ndarray) -> np.ndarray:
    out = np.zeros(len(lengths) + 1, np.int64)
    np.cumsum(lengths, out=out[1:])
    return out


def _with_arrays(batch: Batch, values: np.ndarray, lengths: np.ndarray) -> Batch:
    """Seed the batch's cached arrays with ones already computed (they match its sequences)."""
    cache = batch.__dict__
    cache["flat_values"] = _frozen(np.asarray(values, np.int64))
    cache["lengths_array"] = _frozen(np.asarray(lengths, np.int64))
    return batch


# -- lengths -----------------------------------------------------------------------------------


def _check_lengths(
    lengths: Sequence[Any], max_length_cap: int, batch_cap: int, allow_zero_length: bool
) -> None:
    if len(lengths) == 0:
        raise BatchError("the batch is empty: give at least one sequence")
    if len(lengths) > batch_cap:
        raise BatchError(f"{len(lengths)} sequences exceed the batch size cap of {batch_cap}")
    for i, n in enumerate(lengths):
        if type(n) is not int and not is_whole(n):  # the exact type first: far quicker
            raise BatchError(f"length {n!r} at position {i} is not a whole number")
        if n < 0:
            raise BatchError(f"length {n} at position {i} is negative")
        if n == 0 and not allow_zero_length:
            raise BatchError(f"length 0 at position {i}: every sequence needs at least one token")
        if n > max_length_cap:
            raise BatchError(
                f"length {n} at position {i} exceeds the length cap of {max_length_cap}"
            )


def parse_lengths(
    text: str,
    max_length_cap: int = MAX_LENGTH_CAP,
    batch_cap: int = BATCH_CAP,
    *,
    allow_zero_length: bool = False,
) -> list[int]:
    """Parse "5,3,7" (commas and/or spaces between numbers) into [5, 3, 7]."""
    words = re.split(r"\s*,\s*|\s+", text.strip())
    if words == [""]:
        raise BatchError("no lengths given: type them like 5,3,7")
    for i, word in enumerate(words):
        if not word:
            raise BatchError(f"empty entry at position {i} in {_shown(text.strip())}")
        if not re.fullmatch(r"[+-]?\d+", word):
            raise BatchError(f"length {_shown(word)} at position {i} is not a whole number")
        if len(word) > 12:  # int() of a 5000-digit word is refused by Python itself
            raise BatchError(
                f"length {_shown(word)} at position {i} exceeds the length cap of {max_length_cap}"
            )
    lengths = [int(w) for w in words]
    _check_lengths(lengths, max_length_cap, batch_cap, allow_zero_length)
    return lengths


def _shown(text: str, limit: int = 40) -> str:
    """`text` quoted for a message, its middle elided when long."""
    return repr(text) if len(text) <= limit else repr(text[:20]) + "..." + repr(text[-8:])


# -- constructors ------------------------------------------------------------------------------
_MASK64 = (1 << 64) - 1


def _fill_tokens(seed: int, seq: np.ndarray, time: np.ndarray, vocab_size: int) -> np.ndarray:
    """Ids in 1..vocab_size-1 that depend only on (seed, seq, time): a splitmix64 hash."""
    with np.errstate(over="ignore"):
        z = np.uint64(seed & _MASK64) * np.uint64(0x9E3779B97F4A7C15)
        z = z ^ (seq.astype(np.uint64) * np.uint64(0xBF58476D1CE4E5B9))
        z = z ^ (time.astype(np.uint64) * np.uint64(0x94D049BB133111EB))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z % np.uint64(vocab_size - 1)).astype(np.int64) + 1


def from_lengths(
    lengths: Sequence[int],
    vocab_size: int = 16,
    seed: int = 0,
    *,
    allow_zero_length: bool = False,
    name: str = "",
) -> Batch:
    """A batch of these lengths with deterministic token ids in 1..vocab_size-1."""
    _check_lengths(lengths, MAX_LENGTH_CAP, BATCH_CAP, allow_zero_length)
    if not is_whole(vocab_size) or vocab_size < 2:
        raise BatchError(f"vocabulary size {vocab_size!r} must be a whole number >= 2")
    lens = np.asarray(lengths, np.int64)
    off = _offsets(lens)
    seq = np.repeat(np.arange(len(lens)), lens)
    values = _fill_tokens(seed, seq, np.arange(int(off[-1])) - off[seq], vocab_size)
    flat, bounds = values.tolist(), off.tolist()
    seqs = tuple(tuple(flat[a:b]) for a, b in itertools.pairwise(bounds))
    batch = _with_arrays(Batch(sequences=seqs, name=name, n_ids=vocab_size), values, lens)
    batch.validate(allow_zero_length=allow_zero_length)
    return batch


Distribution = Literal["uniform", "normal", "lognormal", "fixed"]
DISTRIBUTIONS: tuple[str, ...] = ("uniform", "normal", "lognormal", "fixed")


@dataclass
class GeneratorSpec:
    """Random lengths in [min_length, max_length]. uniform; normal around the middle
    (sd = range / 6); lognormal: a long tail, median at 15% of the range and a few sequences at
    the maximum; fixed: every sequence max_length long. Same spec, same batch."""

    distribution: Distribution = "uniform"
    count: int = 8
    min_length: int = 1
    max_length: int = 12
    vocab_size: int = 16
    seed: int = 0

    def validate(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise BatchError(
                f"unknown distribution {self.distribution!r} "
                f"(choose from {', '.join(DISTRIBUTIONS)})"
            )
        whole_number("seed", self.seed, error=BatchError)
        whole_number("count", self.count, low=1, high=BATCH_CAP, error=BatchError)
        whole_number("min_length", self.min_length, low=1, high=MAX_LENGTH_CAP, error=BatchError)
        whole_number(
            "max_length",
            self.max_length,
            low=self.min_length,
            high=MAX_LENGTH_CAP,
            error=BatchError,
        )
        whole_number("vocabulary size", self.vocab_size, low=2, error=BatchError)


def generate(spec: GeneratorSpec) -> Batch:
    spec.validate()
    rng = np.random.default_rng(spec.seed)
    lo, hi, n = spec.min_length, spec.max_length, spec.count
    if spec.distribution == "uniform":
        raw = rng.integers(lo, hi + 1, n).astype(float)
    elif spec.distribution == "normal":
        raw = rng.normal((lo + hi) / 2, (hi - lo) / 6, n)
    elif spec.distribution == "lognormal":
        raw = lo + (hi - lo) * 0.15 * rng.lognormal(0.0, 1.0, n)
    else:
        raw = np.full(n, float(hi))
    lengths = np.clip(np.rint(raw), lo, hi).astype(np.int64).tolist()
    name = f"{spec.distribution} x{n} ({lo}..{hi}, seed {spec.seed})"
    return from_lengths(lengths, spec.vocab_size, spec.seed, name=name)


def from_text(text: str, level: Literal["word", "char"] = "word", name: str = "") -> Batch:
    """One sentence per non-blank line; whitespace-separated words or single characters.
    The vocabulary is built in order of first appearance, after the pad token."""
    if level not in ("word", "char"):
        raise BatchError(f"unknown token level {level!r} (choose word or char)")
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise BatchError("the text is empty: write one sentence per line")
    if len(lines) > BATCH_CAP:
        raise BatchError(f"{len(lines)} sentences exceed the batch size cap of {BATCH_CAP}")
    ids: dict[str, int] = {}
    seqs = []
    for n, line in enumerate(lines):
        tokens = line.split() if level == "word" else list(line)
        if len(tokens) > MAX_LENGTH_CAP:
            raise BatchError(
                f"sentence {n} has {len(tokens)} tokens, above the length cap of {MAX_LENGTH_CAP}"
            )
        seqs.append(tuple(ids.setdefault(tok, len(ids) + 1) for tok in tokens))
    batch = Batch(sequences=tuple(seqs), vocab=(PAD_TEXT, *ids), name=name)
    batch.validate()
    return batch


# -- JSON --------------------------------------------------------------------------------------
def to_json(batch: Batch) -> dict[str, Any]:
    out: dict[str, Any] = {"format": FORMAT, "version": VERSION}
    if batch.name:
        out["name"] = batch.name
    if batch.description:
        out["description"] = batch.description
    if batch.feature_size is not None:
        out["feature_size"] = batch.feature_size
    if batch.vocab is not None:
        out["vocab"] = list(batch.vocab)
    elif batch.n_ids is not None:
        out["vocab_size"] = batch.n_ids
    out["sequences"] = [list(s) for s in batch.sequences]
    if batch.labels is not None:
        out["labels"] = list(batch.labels)
    return out


def from_json(data: Any) -> Batch:
    if not isinstance(data, dict):
        raise BatchError(f"expected a JSON object for a batch, got {type(data).__name__}")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise BatchError(f"not a padviz batch: format is {fmt!r}, expected {FORMAT!r}")
    json_files.check_version(data.get("version"), VERSION, BatchError, FORMAT)
    unknown = sorted(set(data) - _JSON_KEYS)
    if unknown:
        raise BatchError(f"unknown key {unknown[0]!r} in the batch")
    for key in ("name", "description"):
        if data.get(key) is not None and not isinstance(data[key], str):
            raise BatchError(f"{key!r} must be a string, got {data[key]!r}")
    vocab = _json_list(data, "vocab", optional=True)
    seqs = _json_list(data, "sequences", optional=False) or []
    for i, seq in enumerate(seqs):
        if not isinstance(seq, list):
            raise BatchError(f"sequence {i} is {seq!r}, not a list of token ids")
        for t, tok in enumerate(seq):
            if type(tok) is not int:  # JSON gives int, float, bool, str, ...: only int is an id
                raise BatchError(
                    f"token {tok!r} at sequence {i}, position {t} is not an integer id"
                )
    labels = _json_list(data, "labels", optional=True)
    batch = Batch(
        sequences=tuple(tuple(s) for s in seqs),
        labels=None if labels is None else tuple(labels),
        vocab=None if vocab is None else tuple(vocab),
        name=data.get("name") or "",
        feature_size=data.get("feature_size"),
        description=data.get("description") or "",
        n_ids=data.get("vocab_size"),
    )
    batch.validate()
    return batch


def _json_list(data: dict[str, Any], key: str, optional: bool) -> list[Any] | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, list):
        what = "missing" if key not in data else f"a {type(value).__name__}, not a list"
        raise BatchError(f"{key!r} is {what}")
    return value


def save_json(batch: Batch, path: str | PathLike[str]) -> None:
    text = json.dumps(to_json(batch), separators=(",", ":"))
    write_text_atomically(path, text + "\n", error=BatchError)


def load_json(path: str | PathLike[str]) -> Batch:
    try:
        text = json_files.read_text(path)
    except json_files.JsonFileError as exc:
        raise BatchError(str(exc)) from None
    return _loads(text, str(path))


def _loads(text: str, where: str) -> Batch:
    try:
        data = json_files.parse(text, where)
    except json_files.JsonFileError as exc:
        raise BatchError(str(exc)) from None
    try:
        return from_json(data)
    except BatchError as exc:
        raise BatchError(f"{where}: {exc}") from None


# -- presets -----------------------------------------------------------------------------------
def preset_names() -> list[str]:
    """Names of the batches shipped in assets/presets, sorted."""
    folder = asset("presets")
    return sorted(
        p.name.removesuffix(".json") for p in folder.iterdir() if p.name.endswith(".json")
    )


def load_preset(name: str) -> Batch:
    names = preset_names()
    if name not in names:
        raise BatchError(f"unknown preset {name!r} (available: {', '.join(names)})")
    return _loads(asset("presets", f"{name}.json").read_text("utf-8"), f"preset {name}")
