"""A sequence's tokens as editable text, and back: words through the batch's vocabulary, or
token ids without one."""

from __future__ import annotations

import dataclasses
import re

from padviz.core.batch import Batch, BatchError


def sequence_text(batch: Batch, i: int, limit: int | None = None) -> str:
    """Sequence i's tokens separated by spaces (vocabulary words, else ids); with `limit`, at
    most that many tokens followed by " ..." when there are more."""
    seq = batch.sequences[i]
    shown = seq if limit is None else seq[:limit]
    words = [batch.token_text(t) for t in shown] if batch.vocab is not None else map(str, shown)
    text = " ".join(words)
    return text + " ..." if limit is not None and len(seq) > limit else text


def parse_tokens(batch: Batch, text: str) -> tuple[int, ...]:
    """Token ids from space-separated words of the batch's vocabulary, or from ids >= 1 when it
    has none. Raises BatchError naming the first bad entry."""
    words = text.split()
    if not words:
        raise BatchError("no tokens given: a sequence needs at least one")
    if batch.vocab is not None:
        index = {w: k for k, w in enumerate(batch.vocab) if k != 0}
        ids = []
        for pos, word in enumerate(words):
            if word not in index:
                raise BatchError(f"token {word!r} at position {pos} is not in the vocabulary")
            ids.append(index[word])
        return tuple(ids)
    for pos, word in enumerate(words):
        if not re.fullmatch(r"\d+", word) or int(word) < 1:
            raise BatchError(f"token {word!r} at position {pos} must be a whole number id >= 1")
    return tuple(int(w) for w in words)


def with_tokens(batch: Batch, i: int, text: str) -> Batch:
    """The batch with sequence i's tokens replaced by those parsed from `text`."""
    if not 0 <= i < len(batch.sequences):
        raise BatchError(
            f"sequence index {i} is out of range (the batch has {len(batch.sequences)})"
        )
    seqs = list(batch.sequences)
    seqs[i] = parse_tokens(batch, text)
    new = dataclasses.replace(batch, sequences=tuple(seqs))
    new.validate()
    return new


def with_lengths_allowing_zero(batch: Batch, lengths: list[int]) -> Batch:
    """`batch.with_lengths(lengths)`, except that a length of 0 leaves that sequence empty:
    such a batch is invalid for training, but the explorer lays it out to show what torch does
    with an empty sequence (pad_sequence pads it, pack_padded_sequence refuses it)."""
    if 0 not in lengths:
        return batch.with_lengths(lengths)
    filled = batch.with_lengths([n or 1 for n in lengths])
    seqs = tuple(() if n == 0 else s for s, n in zip(filled.sequences, lengths, strict=True))
    return dataclasses.replace(filled, sequences=seqs)


EDITED = " (edited)"


def as_edited(batch: Batch) -> Batch:
    """The batch once the user has edited it: the preset's or file's description no longer
    describes it, and its name says it was edited."""
    name = batch.name
    if name and not name.endswith(EDITED):
        name += EDITED
    if name == batch.name and not batch.description:
        return batch
    return dataclasses.replace(batch, name=name, description="")
