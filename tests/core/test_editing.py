"""padviz.core.editing: a sequence's tokens as text and back."""

from __future__ import annotations

import pytest

from padviz.core.batch import BatchError, from_lengths, from_text
from padviz.core.editing import (
    parse_tokens,
    sequence_text,
    with_lengths_allowing_zero,
    with_tokens,
)


def test_ids_round_trip_through_text() -> None:
    batch = from_lengths([5, 3])
    text = sequence_text(batch, 0)
    assert parse_tokens(batch, text) == batch.sequences[0]
    assert sequence_text(batch, 0, limit=2) == " ".join(map(str, batch.sequences[0][:2])) + " ..."
    assert sequence_text(batch, 1, limit=3) == sequence_text(batch, 1)


def test_words_round_trip_through_the_vocabulary() -> None:
    batch = from_text("the cat sat\nthe dog")
    assert sequence_text(batch, 1) == "the dog"
    new = with_tokens(batch, 1, "dog sat the cat")
    assert new.sequences[1] == (4, 3, 1, 2)
    assert new.sequences[0] == batch.sequences[0] and new.vocab == batch.vocab


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no tokens"),
        ("1 x 2", "'x' at position 1"),
        ("3 0", "'0' at position 1"),
        ("-2", "'-2'"),
    ],
)
def test_bad_ids_are_refused(text, message) -> None:
    with pytest.raises(BatchError, match=message):
        with_tokens(from_lengths([3]), 0, text)


def test_unknown_words_and_bad_indices_are_refused() -> None:
    batch = from_text("the cat")
    with pytest.raises(BatchError, match="'dog' at position 1 is not in the vocabulary"):
        parse_tokens(batch, "the dog")
    with pytest.raises(BatchError, match="'<pad>'"):
        parse_tokens(batch, "<pad>")
    with pytest.raises(BatchError, match="out of range"):
        with_tokens(batch, 3, "the")


def test_a_zero_length_empties_only_that_sequence() -> None:
    batch = from_lengths([4, 3, 2])
    new = with_lengths_allowing_zero(batch, [4, 0, 3])
    assert new.lengths == [4, 0, 3]
    assert new.sequences[0] == batch.sequences[0]
    assert new.sequences[2][:2] == batch.sequences[2]
    with pytest.raises(BatchError, match="length 0"):
        new.validate()  # not a batch to train on
    assert with_lengths_allowing_zero(batch, [1, 1, 1]).lengths == [1, 1, 1]
