"""Batches: constructors, editing, JSON, presets and every validation error."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core.batch import (
    BATCH_CAP,
    MAX_LENGTH_CAP,
    PAD_ID,
    Batch,
    BatchError,
    GeneratorSpec,
    from_json,
    from_lengths,
    from_text,
    generate,
    load_json,
    load_preset,
    parse_lengths,
    preset_names,
    save_json,
    to_json,
)


def flat(batch: Batch) -> np.ndarray:
    """The batch's ids recomputed from its tuples, independent of any cached array."""
    return np.array(list(itertools.chain.from_iterable(batch.sequences)), np.int64)


def assert_arrays_consistent(batch: Batch) -> None:
    np.testing.assert_array_equal(batch.flat_values, flat(batch))
    assert batch.lengths_array.tolist() == [len(s) for s in batch.sequences]
    assert np.diff(batch.offsets).tolist() == batch.lengths


# -- constructors -----------------------------------------------------------------------------
def test_from_lengths_is_deterministic_and_in_range():
    a = from_lengths([5, 3, 7], vocab_size=16, seed=4)
    assert a == from_lengths([5, 3, 7], vocab_size=16, seed=4)
    assert a != from_lengths([5, 3, 7], vocab_size=16, seed=5)
    assert a.lengths == [5, 3, 7] and a.max_length == 7
    ids = flat(a)
    assert ids.min() >= 1 and ids.max() <= 15
    assert_arrays_consistent(a)


def test_generate_same_seed_same_batch_and_distributions():
    for dist in ("uniform", "normal", "lognormal", "fixed"):
        spec = GeneratorSpec(dist, count=200, min_length=2, max_length=50, vocab_size=9, seed=3)
        batch = generate(spec)
        assert batch == generate(spec)
        assert len(batch.sequences) == 200
        assert all(2 <= n <= 50 for n in batch.lengths)
        assert flat(batch).max() <= 8
    assert set(generate(GeneratorSpec("fixed", 5, 2, 9)).lengths) == {9}
    tail = np.array(generate(GeneratorSpec("lognormal", 500, 1, 400, seed=1)).lengths)
    assert np.median(tail) < 0.3 * 400 < tail.max()  # many short, a few long
    assert generate(GeneratorSpec(seed=1)) != generate(GeneratorSpec(seed=2))


@pytest.mark.parametrize(
    "spec, message",
    [
        (GeneratorSpec("zipf"), "unknown distribution 'zipf'"),
        (GeneratorSpec(count=0), "count 0"),
        (GeneratorSpec(count=BATCH_CAP + 1), f"count {BATCH_CAP + 1}"),
        (GeneratorSpec(min_length=0), "min_length 0"),
        (GeneratorSpec(min_length=5, max_length=4), "max_length 4"),
        (GeneratorSpec(vocab_size=1), "vocabulary size 1"),
        (GeneratorSpec(count=2.5), "count 2.5"),
    ],
)
def test_generator_spec_errors(spec, message):
    with pytest.raises(BatchError, match=message):
        generate(spec)


def test_from_text_words_and_chars():
    batch = from_text("the cat sat\n\n  the dog  \n", level="word")
    assert batch.vocab == ("<pad>", "the", "cat", "sat", "dog")
    assert batch.sequences == ((1, 2, 3), (1, 4))
    assert batch.token_text(4) == "dog" and batch.token_text(PAD_ID) == "<pad>"
    chars = from_text("ab a\nb", level="char")
    assert chars.vocab == ("<pad>", "a", "b", " ")
    assert chars.sequences == ((1, 2, 3, 1), (2,))


@pytest.mark.parametrize(
    "text, level, message",
    [
        ("  \n\n", "word", "the text is empty"),
        ("a b", "byte", "unknown token level 'byte'"),
        ("x\n" * (BATCH_CAP + 1), "word", f"{BATCH_CAP + 1} sentences exceed"),
        ("a" * (MAX_LENGTH_CAP + 1), "char", f"sentence 0 has {MAX_LENGTH_CAP + 1} tokens"),
    ],
)
def test_from_text_errors(text, level, message):
    with pytest.raises(BatchError, match=message):
        from_text(text, level=level)


# -- parse_lengths ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [("5,3,7", [5, 3, 7]), (" 5, 3 ,7 ", [5, 3, 7]), ("5 3 7", [5, 3, 7]), ("+4", [4])],
)
def test_parse_lengths(text, expected):
    assert parse_lengths(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no lengths given"),
        ("   ", "no lengths given"),
        ("5,,7", "empty entry at position 1"),
        ("5,3,", "empty entry at position 2"),
        ("5,x,7", "length 'x' at position 1 is not a whole number"),
        ("2.5", "length '2.5' at position 0 is not a whole number"),
        ("5,-1", "length -1 at position 1 is negative"),
        ("5,3,0", "length 0 at position 2: every sequence needs at least one token"),
        (f"5,{MAX_LENGTH_CAP + 1}", f"length {MAX_LENGTH_CAP + 1} at position 1 exceeds"),
        (",".join(["1"] * (BATCH_CAP + 1)), f"{BATCH_CAP + 1} sequences exceed the batch size cap"),
    ],
)
def test_parse_lengths_errors(text, message):
    with pytest.raises(BatchError, match=message):
        parse_lengths(text)


def test_parse_lengths_caps_and_zero_are_adjustable():
    assert parse_lengths("5,0", allow_zero_length=True) == [5, 0]
    with pytest.raises(BatchError, match=r"exceeds the length cap of 6"):
        parse_lengths("5,7", max_length_cap=6)
    with pytest.raises(BatchError, match=r"3 sequences exceed the batch size cap of 2"):
        parse_lengths("1,1,1", batch_cap=2)


# -- the validation list ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "lengths, message",
    [
        ([], "the batch is empty"),
        ([4, 0], "length 0 at position 1"),
        ([4, -2], "length -2 at position 1 is negative"),
        ([4, 2.5], "length 2.5 at position 1 is not a whole number"),
        ([4, "3"], "length '3' at position 1 is not a whole number"),
        ([True], "length True at position 0 is not a whole number"),
        ([MAX_LENGTH_CAP + 1], f"length {MAX_LENGTH_CAP + 1} at position 0 exceeds"),
        ([1] * (BATCH_CAP + 1), f"{BATCH_CAP + 1} sequences exceed"),
    ],
)
def test_from_lengths_errors(lengths, message):
    with pytest.raises(BatchError, match=message):
        from_lengths(lengths)


@pytest.mark.parametrize(
    "batch, message",
    [
        (Batch(sequences=()), "the batch is empty"),
        (Batch(sequences=((1, 2), ())), "length 0 at position 1"),
        (
            Batch(sequences=((1, 9),), vocab=("<pad>", "a")),
            r"token id 9 at sequence 0, position 1 is outside the vocabulary \(real ids are 1..1\)",
        ),
        (Batch(sequences=((1,), (2, -3))), "token id -3 at sequence 1, position 1 is negative"),
        (Batch(sequences=((1, 0, 2),)), "token id 0 at sequence 0, position 1 is the padding id"),
        (Batch(sequences=((1, 2.5),)), "token 2.5 at sequence 0, position 1 is not an integer id"),
        (
            Batch(sequences=((1,), ("a",))),
            "token 'a' at sequence 1, position 0 is not an integer id",
        ),
        (Batch(sequences=((2**70,),)), "is too large"),
        (Batch(sequences=((1,),), labels=(0, 1)), "2 labels for 1 sequences"),
        (Batch(sequences=((1,),), labels=(-1,)), "label -1 of sequence 0"),
        (Batch(sequences=((1,),), vocab=("<pad>",)), "the vocabulary has 1 entries"),
        (Batch(sequences=((1,),), vocab=("<pad>", 3)), "vocabulary entry 1 is 3"),
        (Batch(sequences=((1,),), feature_size=0), "feature size 0"),
        (Batch(sequences=((1, 5),), n_ids=5), "token id 5 at sequence 0, position 1 is outside"),
        (Batch(sequences=((1,),), n_ids=1), "vocabulary size 1 must be"),
        (Batch(sequences=((1,),), vocab=("<pad>", "a"), n_ids=3), "vocabulary size 3 disagrees"),
    ],
)
def test_validate_errors(batch, message):
    with pytest.raises(BatchError, match=message):
        batch.validate()


def test_validate_caps_are_parameters():
    batch = Batch(sequences=((1, 2, 3), (1,)))
    batch.validate()
    with pytest.raises(BatchError, match=r"length 3 at position 0 exceeds the length cap of 2"):
        batch.validate(max_length_cap=2)
    with pytest.raises(BatchError, match=r"2 sequences exceed the batch size cap of 1"):
        batch.validate(batch_cap=1)
    Batch(sequences=((1,), ())).validate(allow_zero_length=True)


def test_lists_are_stored_as_tuples():
    batch = Batch(sequences=[[1, 2], [3]], labels=[0, 1], vocab=["<pad>", "a", "b", "c"])
    assert batch.sequences == ((1, 2), (3,)) and batch.labels == (0, 1)
    assert isinstance(batch.vocab, tuple) and batch.vocab_size == 4
    assert Batch(sequences=((1, 7),)).vocab_size == 8  # no vocab: largest id + 1


# -- editing ----------------------------------------------------------------------------------
def test_with_lengths_keeps_tokens_and_is_reversible():
    base = from_lengths([5, 3, 7], seed=2)
    longer = base.with_lengths([6, 3, 7, 2])
    assert longer.lengths == [6, 3, 7, 2]
    assert longer.sequences[0][:5] == base.sequences[0]
    assert longer.sequences[1] is base.sequences[1]  # untouched sequences are shared
    grown = base.with_sequence_length(2, 9)
    assert grown.with_sequence_length(2, 7).with_sequence_length(2, 9) == grown
    plain = from_lengths([5, 3, 7])  # seed 0, like the editing methods
    assert plain.with_sequence_length(2, 2).with_sequence_length(2, 7) == plain
    assert plain.with_lengths([5, 3, 9]) == from_lengths([5, 3, 9])
    assert base.with_lengths([5, 3, 9], seed=1) == base.with_lengths([5, 3, 9], seed=1)
    assert base.with_lengths([5, 3, 9], seed=1) != base.with_lengths([5, 3, 9], seed=2)
    assert base.vocab_size == longer.vocab_size == 16
    assert flat(longer).min() >= 1 and flat(longer).max() < 16
    assert_arrays_consistent(longer)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(1, 12), min_size=1, max_size=8),
    st.lists(st.integers(1, 12), min_size=1, max_size=8),
)
def test_with_lengths_equals_a_batch_made_with_those_lengths(old, new):
    # from_lengths fills position t of sequence i as editing does (seed 0): resizing any batch
    # of generated tokens must give exactly the batch generated at the new lengths.
    base = from_lengths(old)
    edited = base.with_lengths(new)
    assert edited == from_lengths(new)
    assert_arrays_consistent(edited)
    for i, n in enumerate(new[: len(old)]):
        if old[i] == n:  # an unchanged sequence is shared, not rebuilt
            assert edited.sequences[i] is base.sequences[i]


def test_editing_keeps_labels_vocab_and_arrays_in_step():
    batch = Batch(
        sequences=((1, 2), (3,), (2, 2, 2)), labels=(7, 8, 9), vocab=("<pad>", "a", "b", "c")
    )
    dup = batch.duplicate(1)
    assert dup.sequences == ((1, 2), (3,), (3,), (2, 2, 2)) and dup.labels == (7, 8, 8, 9)
    rem = batch.remove(0)
    assert rem.sequences == ((3,), (2, 2, 2)) and rem.labels == (8, 9)
    added = batch.add_sequence(4)
    assert added.lengths == [2, 1, 3, 4] and added.labels == (7, 8, 9, 0)
    assert added.vocab == batch.vocab
    assert all(1 <= t < 4 for t in added.sequences[3])
    for edited in (dup, rem, added, batch.with_sequence_length(0, 5)):
        assert_arrays_consistent(edited)
        edited.validate()


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda b: b.remove(3), "sequence index 3 is out of range"),
        (lambda b: b.duplicate(-1), "sequence index -1 is out of range"),
        (lambda b: b.with_sequence_length(0, 0), "length 0 at position 0"),
        (lambda b: b.remove(0).remove(0).remove(0), "cannot remove the last sequence"),
        (lambda b: b.add_sequence(MAX_LENGTH_CAP + 1), "exceeds the length cap"),
    ],
)
def test_editing_errors(edit, message):
    with pytest.raises(BatchError, match=message):
        edit(from_lengths([2, 3, 4]))


def test_token_text_without_and_with_vocab():
    assert from_lengths([2]).token_text(0) == "<pad>"
    assert from_lengths([2]).token_text(5) == "5"
    with pytest.raises(BatchError, match=r"token id 9 is outside the vocabulary"):
        from_text("a b").token_text(9)


# -- JSON -------------------------------------------------------------------------------------
def good_json() -> dict:
    return {"format": "padviz-batch", "version": 1, "sequences": [[1, 2], [3]]}


def test_json_round_trip_through_a_file(tmp_path):
    batch = Batch(
        sequences=((1, 2, 3), (3,)),
        labels=(1, 0),
        vocab=("<pad>", "a", "b", "c"),
        name="demo",
        feature_size=100,
        description="two sentences",
    )
    path = tmp_path / "b.json"
    save_json(batch, path)
    assert load_json(path) == batch
    assert json.loads(path.read_text())["format"] == "padviz-batch"
    ids_only = from_lengths([4, 2], vocab_size=7)
    assert to_json(ids_only)["vocab_size"] == 7
    assert from_json(to_json(ids_only)) == ids_only


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 50), min_size=1, max_size=8), min_size=1, max_size=6),
    st.booleans(),
)
def test_json_round_trip_property(seqs, with_labels):
    batch = Batch(
        sequences=tuple(map(tuple, seqs)),
        labels=tuple(range(len(seqs))) if with_labels else None,
    )
    assert from_json(json.loads(json.dumps(to_json(batch)))) == batch


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(version=2), "unsupported padviz-batch version 2"),
        (lambda d: d.pop("version"), "padviz-batch version must be the number 1, got None"),
        (lambda d: d.update(format="other"), "not a padviz batch: format is 'other'"),
        (lambda d: d.update(sequences="1,2"), "'sequences' is a str, not a list"),
        (lambda d: d.pop("sequences"), "'sequences' is missing"),
        (lambda d: d.update(sequences=[[1, 2], 3]), "sequence 1 is 3, not a list"),
        (lambda d: d.update(sequences=[[1, "2"]]), "token '2' at sequence 0, position 1"),
        (lambda d: d.update(sequences=[[1, 2.0]]), "token 2.0 at sequence 0, position 1"),
        (lambda d: d.update(sequences=[[True]]), "token True at sequence 0, position 0"),
        (lambda d: d.update(sequences=[[1], []]), "length 0 at position 1"),
        (lambda d: d.update(sequences=[]), "the batch is empty"),
        (
            lambda d: d.update(vocab=["<pad>", "a"]),
            "token id 2 at sequence 0, position 1 is outside the vocabulary",
        ),
        (
            lambda d: d.update(vocab_size=3),
            "token id 3 at sequence 1, position 0 is outside the vocabulary",
        ),
        (
            lambda d: d.update(sequences=[[0]]),
            "token id 0 at sequence 0, position 0 is the padding id",
        ),
        (lambda d: d.update(labels=[1]), "1 labels for 2 sequences"),
        (lambda d: d.update(name=5), "'name' must be a string"),
        (lambda d: d.update(feature_size="100"), "feature size '100'"),
        (lambda d: d.update(sequnces=[]), "unknown key 'sequnces'"),
    ],
)
def test_from_json_errors(change, message):
    data = good_json()
    change(data)
    with pytest.raises(BatchError, match=message):
        from_json(data)


def test_from_json_refuses_non_objects():
    with pytest.raises(BatchError, match=r"expected a JSON object for a batch, got list"):
        from_json([[1, 2]])


def test_load_json_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "padviz-batch", "version": 1, "sequences": [[1, 2]')
    with pytest.raises(BatchError, match=r"bad.json: malformed JSON \(.* at line 1, column \d+\)"):
        load_json(bad)
    old = tmp_path / "old.json"
    old.write_text(json.dumps({**good_json(), "version": 0}))
    with pytest.raises(BatchError, match=r"old.json: unsupported padviz-batch version 0"):
        load_json(old)
    with pytest.raises(BatchError, match=r"cannot read .*missing.json"):
        load_json(tmp_path / "missing.json")
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(BatchError, match=r"not UTF-8"):
        load_json(binary)
    with pytest.raises(BatchError, match=r"cannot write"):
        save_json(from_lengths([1]), tmp_path / "no" / "such" / "dir.json")


# -- presets ----------------------------------------------------------------------------------
def test_presets_load_and_article_is_the_articles_example():
    names = preset_names()
    assert {"article", "long_tail", "sentences", "one_long", "uniform"} <= set(names)
    for name in names:
        batch = load_preset(name)
        assert batch.name == name and batch.description
        assert from_json(to_json(batch)) == batch
    article = load_preset("article")
    assert article.lengths == [5, 3, 7] and article.feature_size == 100
    sentences = load_preset("sentences")
    assert sentences.vocab is not None and sentences.labels is not None
    assert len(set(load_preset("uniform").lengths)) == 1


def test_unknown_preset():
    with pytest.raises(BatchError, match=r"unknown preset 'nope' \(available: article"):
        load_preset("nope")
