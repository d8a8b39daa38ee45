"""The next-token task: its capped vocabulary, its batches against a direct reference, the
training config's corpus, and that a small model learns real text (the built-in corpus)."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from padviz.core.corpus import CorpusError, read_corpus
from padviz.core.memory import training_bytes
from padviz.core.next_token import EOS_ID, SPECIALS, UNK_ID, VOCAB_CAP, build, next_token_task
from padviz.core.script_export import export_script
from padviz.core.tasks import NEXT_TOKEN, TaskError, all_task_names, get_task, task_names
from padviz.core.training import ConfigError, TrainConfig, Trainer, batch_stream

LINES = ["a b a c", "b a", "d a b e f g h", "a", "c c b a d"]


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.txt"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    return path


def test_the_vocabulary_keeps_the_most_frequent_tokens_and_maps_the_rest_to_unk(
    text_file: Path,
) -> None:
    task = build(read_corpus(text_file, keep_ids=True), cap=6)
    # counts: a 6, b 4, c 3, d 2; e..h 1: ties keep the token seen first
    assert task.vocab == (*SPECIALS, "a", "b", "c")
    assert task.vocab_size == task.num_classes == 6
    words = " ".join(LINES).split()
    expected = [task.vocab.index(w) if w in task.vocab else UNK_ID for w in words]
    assert task.ids.tolist() == expected
    assert build(read_corpus(text_file, keep_ids=True)).vocab_size == len(SPECIALS) + 8


@pytest.mark.parametrize("max_len", [2, 3, 100])
def test_a_batch_is_the_next_token_at_every_real_position(text_file: Path, max_len: int) -> None:
    task = build(read_corpus(text_file, keep_ids=True), cap=6)
    batch = task.sample(16, torch.Generator().manual_seed(5), 2, max_len)
    # the reference: the same draws, then each sequence cut, shifted and padded by hand
    long_enough = [i for i, line in enumerate(LINES) if len(line.split()) >= 2]
    picks = torch.randint(0, len(long_enough), (16,), generator=torch.Generator().manual_seed(5))
    ids = [task.vocab.index(w) if w in task.vocab else UNK_ID for w in " ".join(LINES).split()]
    starts = np.cumsum([0] + [len(line.split()) for line in LINES])
    width = batch.tokens.shape[1]
    for row, pick in enumerate(picks.tolist()):
        seq = ids[starts[long_enough[pick]] : starts[long_enough[pick] + 1]]
        kept = min(len(seq), max_len)
        nexts = [*seq[1:], EOS_ID][:kept]
        assert batch.lengths[row] == kept
        assert batch.tokens[row].tolist() == seq[:kept] + [0] * (width - kept)
        assert batch.targets[row].tolist() == nexts + [0] * (width - kept)
    assert width == int(batch.lengths.max())
    assert batch.per_token and batch.mask.sum() == batch.lengths.sum()
    assert not (batch.targets[batch.mask] == 0).any()  # every real position has a real target


def test_min_len_filters_the_sequences_and_names_the_longest(text_file: Path) -> None:
    task = build(read_corpus(text_file, keep_ids=True))
    batch = task.sample(50, torch.Generator().manual_seed(0), 5, 20)
    assert set(batch.lengths.tolist()) == {5, 7}
    with pytest.raises(TaskError, match=r"min_len 8: no sequence of .*tiny\.txt is that long"):
        task.sample(4, torch.Generator(), 8, 20)


def test_the_config_names_its_corpus(text_file: Path) -> None:
    assert all_task_names() == [*task_names(), NEXT_TOKEN]
    with pytest.raises(TaskError, match="built from a corpus"):
        get_task(NEXT_TOKEN)
    for bad, message in [
        ({"task": NEXT_TOKEN}, "corpus must be a corpus file's path or builtin:stdlib-docs"),
        ({"task": NEXT_TOKEN, "corpus": ""}, "corpus must be a corpus file's path"),
        ({"task": NEXT_TOKEN, "corpus": 3}, "got 3"),
        ({"task": NEXT_TOKEN, "corpus": "builtin:wiki"}, "unknown built-in corpus 'builtin:wiki'"),
        ({"task": NEXT_TOKEN, "corpus": "a\0b"}, "NUL"),
        ({"task": NEXT_TOKEN, "corpus": "x" * 5000}, "corpus is 5,000 characters"),
        ({"corpus": str(text_file)}, "applies to the next-token task only"),
    ]:
        with pytest.raises(ConfigError, match=message):
            TrainConfig.from_dict(bad)
    config = TrainConfig(task=NEXT_TOKEN, corpus=str(text_file), steps=2)
    assert TrainConfig.from_dict(config.to_dict()) == config
    assert TrainConfig.from_dict({"task": "majority"}).corpus is None  # sessions from before


def test_training_on_a_file_is_deterministic_and_a_missing_file_is_named(
    text_file: Path, tmp_path: Path
) -> None:
    config = TrainConfig(
        task=NEXT_TOKEN, corpus=str(text_file), steps=4, device="cpu", hidden=8, embed=4
    )
    first = [r.masked_loss for r in Trainer(config)]
    assert first == [r.masked_loss for r in Trainer(config)]
    assert Trainer(config).model.head.out_features == len(SPECIALS) + 8
    missing = TrainConfig(task=NEXT_TOKEN, corpus=str(tmp_path / "gone.txt"), device="cpu")
    assert training_bytes(missing) > 0  # the memory estimate does not read the corpus
    with pytest.raises(CorpusError, match=r"cannot read .*gone\.txt"):
        Trainer(missing)
    with pytest.raises(TaskError, match="min_len 8: no sequence"):  # before any step
        Trainer(replace(config, min_len=8, max_len=9))


def test_a_changed_file_is_read_again(text_file: Path) -> None:
    assert next_token_task(str(text_file)).vocab_size == len(SPECIALS) + 8
    text_file.write_text("x y\n", encoding="utf-8")
    assert next_token_task(str(text_file)).vocab_size == len(SPECIALS) + 2


def test_the_script_export_refuses_the_next_token_task(text_file: Path) -> None:
    config = TrainConfig(task=NEXT_TOKEN, corpus=str(text_file))
    with pytest.raises(ConfigError, match="script export does not cover the next-token task"):
        export_script(config)


def test_a_small_model_learns_the_builtin_corpus_below_its_unigram_entropy() -> None:
    """200 steps: the masked loss falls well below what word frequencies alone give (about
    4.47 nats here; the model's last 30 steps averaged 3.79)."""
    config = TrainConfig(
        task=NEXT_TOKEN,
        corpus="builtin:stdlib-docs",
        mode="padded-masked",
        steps=200,
        device="cpu",
        lr=0.02,
        num_threads=1,
    )
    before = torch.get_num_threads()
    try:
        records = list(Trainer(config))
    finally:
        torch.set_num_threads(before)
    # the reference: the entropy of the targets this run trained on (a unigram model's loss)
    counts: Counter[int] = Counter()
    for _, batch in zip(range(config.steps), batch_stream(config), strict=False):
        counts.update(batch.targets[batch.mask].tolist())
    total = sum(counts.values())
    unigram = -sum(c / total * math.log(c / total) for c in counts.values())
    assert 4.0 < unigram < math.log(VOCAB_CAP)
    late = np.mean([r.masked_loss for r in records[-30:]])
    assert records[0].masked_loss > unigram  # it starts worse than word frequencies
    assert late < unigram - 0.5, (late, unigram)
    # no real target is the pad id: ignore_index=0 and the article's loss equal the masked loss
    for r in records[-5:]:
        assert r.ignore_index_loss == pytest.approx(r.masked_loss, rel=1e-5)
        assert r.article_loss == pytest.approx(r.masked_loss, rel=1e-5)
