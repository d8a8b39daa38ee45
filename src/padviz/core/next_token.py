"""The next-token task: a language model over a corpus, so the masking lessons run on real text.

Vocabulary: the corpus's tokens (word tokens for a file, see padviz.core.corpus_source) capped
at VOCAB_CAP ids: 0 `<pad>`, 1 `<eos>`, 2 `<unk>`, then the VOCAB_CAP - 3 most frequent tokens,
most frequent first (ties: the token seen first). Every rarer token becomes `<unk>`. (In the
built-in stdlib-docs corpus the 997 kept words cover about 69% of its 271,000 tokens.)

Batches: `batch_size` sequences drawn uniformly with replacement, with the run's seeded
generator, among the corpus's sequences of at least `min_len` tokens; each is cut to its first
`max_len` tokens. The lengths are the corpus's own: the length distribution setting does not
apply. Inputs are the ids, right-padded with 0; the target at each real position is the next
token. At a sequence's last real position the target is `<eos>` (the model learns where text
ends); a sequence cut by `max_len` keeps its true next token there instead. So every real
position has a real target, the mask is `tokens != 0` as for the synthetic tasks, and the
target at pads is 0.

The loss variants then read as for the synthetic per-token tasks, with one difference worth
seeing: no real target here is class 0 (the pad id), so `ignore_index=0`, and the article's
formula with it, equal the masked loss; they drop real tokens only where class 0 is a real
class (the synthetic tasks). The unmasked loss still rewards predicting pads.
"""

from __future__ import annotations

import numpy as np
import torch

from padviz.core import corpus_source
from padviz.core.corpus import Corpus, Progress
from padviz.core.tasks import NEXT_TOKEN, PAD_ID, TaskBatch, TaskError

VOCAB_CAP = 1000
EOS_ID, UNK_ID = 1, 2
SPECIALS = ("<pad>", "<eos>", "<unk>")


class NextTokenTask:
    """A corpus mapped to the capped vocabulary, sampled like a padviz.core.tasks.Task."""

    name = NEXT_TOKEN
    per_token = True

    def __init__(
        self, corpus_name: str, ids: np.ndarray, lengths: np.ndarray, vocab: tuple[str, ...]
    ):
        self.corpus_name = corpus_name
        self.ids = ids  # flat, in the capped vocabulary
        self.lengths = lengths
        self.starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        self.vocab = vocab  # vocab[i] is the text of id i
        self._pool: tuple[int, np.ndarray] | None = None  # (min_len, its sequences)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    @property
    def num_classes(self) -> int:
        return len(self.vocab)

    @property
    def description(self) -> str:
        return (
            f"per token: the next token of {self.corpus_name} ({self.vocab_size:,} ids with "
            "<pad>, <eos> and <unk>; <eos> after the last)"
        )

    def pool(self, min_len: int) -> np.ndarray:
        """Indices of the sequences with at least `min_len` tokens."""
        if self._pool is None or self._pool[0] != min_len:
            found = np.flatnonzero(self.lengths >= min_len)
            if not found.size:
                raise TaskError(
                    f"min_len {min_len}: no sequence of {self.corpus_name} is that long (the "
                    f"longest has {int(self.lengths.max())} tokens)"
                )
            self._pool = (min_len, found)
        return self._pool[1]

    def sample(
        self,
        batch_size: int,
        generator: torch.Generator,
        min_len: int,
        max_len: int,
        length_distribution: str = "uniform",  # unused: the corpus has its own lengths
    ) -> TaskBatch:
        pool = self.pool(min_len)
        picked = pool[torch.randint(0, len(pool), (batch_size,), generator=generator).numpy()]
        full = self.lengths[picked]
        cut = np.minimum(full, max_len)
        steps = np.arange(int(cut.max()) + 1)
        where = np.minimum(self.starts[picked][:, None] + steps, len(self.ids) - 1)
        # each sequence's tokens, then <eos> from its true end on: inputs and next tokens
        text = np.where(steps < full[:, None], self.ids[where], EOS_ID)
        pads = steps[:-1] >= cut[:, None]
        tokens = np.where(pads, PAD_ID, text[:, :-1])
        targets = np.where(pads, PAD_ID, text[:, 1:])
        return TaskBatch(
            tokens=torch.from_numpy(tokens),
            lengths=torch.from_numpy(cut),
            targets=torch.from_numpy(targets),
            per_token=True,
            num_classes=self.num_classes,
            vocab_size=self.vocab_size,
        )


def build(corpus: Corpus, cap: int = VOCAB_CAP) -> NextTokenTask:
    """The task over a corpus read with keep_ids=True (see the module's docstring)."""
    if corpus.ids is None:
        raise TaskError(f"the token ids of {corpus.name} were not kept")
    kept = cap - len(SPECIALS)
    uniq, inverse, counts = np.unique(corpus.ids, return_inverse=True, return_counts=True)
    # ids are in order of first appearance (word and char tokenizers), so a stable sort by
    # count breaks ties by the token seen first
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    ids = np.where(rank < kept, rank + len(SPECIALS), UNK_ID)[inverse.reshape(-1)]
    top = uniq[order[:kept]]
    texts = tuple(corpus.token_text(int(t)) for t in top)
    return NextTokenTask(
        corpus.name, ids.astype(np.int64), np.asarray(corpus.lengths), SPECIALS + texts
    )


KEEP = 2  # corpora kept in memory, the latest used
_KEPT: dict[tuple[str, tuple[int, int] | None], NextTokenTask] = {}


def next_token_task(spec: str, progress: Progress | None = None) -> NextTokenTask:
    """The task over the corpus a spec names. The last two are kept while their files are
    unchanged: the runs of one worker, and the model and data stream of one trainer, share one
    read. `progress` reports a read that happens."""
    key = (spec, corpus_source.stamp(spec))
    task = _KEPT.get(key)
    if task is None:
        task = build(corpus_source.load(spec, keep_ids=True, progress=progress))
        if len(_KEPT) >= KEEP:
            del _KEPT[next(iter(_KEPT))]
        _KEPT[key] = task
    return task
