"""The mistake lab's row-packing mistakes (transformers; see padviz.core.mistake_spec): the
batch's sequences concatenated into one row, as sequence packing does, and what goes wrong
when the row is treated as one long sequence."""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from padviz.core.mistake_cells import DIFFERS, AffectedCells
from padviz.core.mistake_spec import DEFAULT_LENGTHS, Lengths, Mistake, Setup, code


def two_or_more(lengths: Lengths) -> tuple[Lengths, str]:
    """At least two sequences: a row with a boundary in it."""
    if len(lengths) >= 2:
        return lengths, ""
    shown = ",".join(map(str, DEFAULT_LENGTHS))
    return DEFAULT_LENGTHS, f"This mistake needs two sequences in a row, so it runs on {shown}."


def row_tokens_differ(ns: dict[str, Any], what: str) -> AffectedCells:
    """The tokens of the row whose `got` is not `expected` (their sequence's own result), as
    (sequence, t): slot k holds token k - (where sequence document_ids[k] starts)."""
    owner = ns["document_ids"].cpu().numpy()
    diff = (ns["got"].detach().cpu().double() - ns["expected"].detach().cpu().double()).abs()
    wrong = diff.reshape(len(owner), -1).amax(dim=1).numpy() > DIFFERS
    starts = np.concatenate([[0], np.cumsum(ns["lengths"])[:-1]])
    cells = tuple((int(owner[k]), int(k - starts[owner[k]])) for k in np.flatnonzero(wrong))
    n = len(cells)
    return AffectedCells(cells, f"the {n} token{'' if n == 1 else 's'} {what}")


def _row_setup(lengths: Lengths, *reference: str) -> str:
    literal = ", ".join(map(str, lengths))
    return "\n".join(
        [
            "import torch",
            "import torch.nn.functional as F",
            "from torch import nn",
            "from torch.nn.utils.rnn import pack_sequence, pad_packed_sequence",
            "",
            "torch.manual_seed(0)",
            f"lengths = [{literal}]",
            "sequences = [torch.randn(n, 8) for n in lengths]  # n tokens of 8 features",
            "row = torch.cat(sequences)  # packed: the sequences back to back in one row",
            "L = len(row)",
            "document_ids = torch.cat([torch.full((n,), i) for i, n in enumerate(lengths)])",
            *reference,
            "",
        ]
    )


def _attention_setup(lengths: Lengths) -> str:
    return _row_setup(
        lengths,
        "causal = torch.ones(L, L, dtype=torch.bool).tril()",
        "",
        "",
        "def attend(x, mask=None):",
        '    """Self-attention of one row (a batch of 1, 1 head): every token a query and key."""',
        "    q = x[None, None]",
        "    if mask is None:",
        "        return F.scaled_dot_product_attention(q, q, q, is_causal=True)[0, 0]",
        "    return F.scaled_dot_product_attention(q, q, q, attn_mask=mask)[0, 0]",
        "",
        "",
        "# The reference: each sequence attended alone, one after the other.",
        "expected = torch.cat([attend(s) for s in sequences])[None]",
    )


def _positions_setup(lengths: Lengths) -> str:
    return _row_setup(
        lengths,
        "pos_embedding = nn.Embedding(64, 8)  # a learned position embedding",
        "# The reference: each sequence with its own positions 0, 1, 2, ...",
        "expected = torch.cat([s + pos_embedding(torch.arange(len(s))) for s in sequences])",
        "expected = expected[None]",
    )


def _labels_setup(lengths: Lengths) -> str:
    return _row_setup(
        lengths,
        "token_lists = [torch.randint(1, 16, (n,)) for n in lengths]",
        "input_ids = torch.cat(token_lists)  # the row's token ids",
        "# The reference: each token predicts the next one of its own sequence; a",
        "# sequence's last token predicts nothing (-100, cross_entropy's ignore_index).",
        "expected = torch.cat([torch.cat([t[1:], torch.tensor([-100])]) for t in token_lists])",
    )


def _lstm_setup(lengths: Lengths) -> str:
    return _row_setup(
        lengths,
        "lstm = nn.LSTM(8, 6, batch_first=True)",
        "# The reference: every output of each sequence run alone, from a zero state.",
        "expected = torch.cat([lstm(s[None])[0][0] for s in sequences])[None]",
    )


ATTENTION = Setup(
    _attention_setup,
    "# Set-up: sequences of 8 features packed back to back into one `row`,\n"
    "# document_ids, causal (L x L); expected = each sequence attended alone.",
)
POSITIONS = Setup(
    _positions_setup,
    "# Set-up: sequences packed into one `row`, pos_embedding; expected = each\n"
    "# sequence plus the embedding of its own positions 0, 1, 2, ...",
)
LABELS = Setup(
    _labels_setup,
    "# Set-up: token_lists packed into one row, input_ids, document_ids; expected =\n"
    "# each sequence's next-token labels, -100 after its last token.",
)
LSTM_ROW = Setup(
    _lstm_setup,
    "# Set-up: sequences packed into one `row`, an nn.LSTM(8, 6, batch_first=True);\n"
    "# expected = every output of each sequence run alone.",
)

_CHANGED = '    "tokens_changed": int(((got - expected).abs() > 1e-5).any(-1).sum()),'

MISTAKES: tuple[Mistake, ...] = (
    Mistake(
        "rows_without_document_mask",
        "Packed rows without the document mask",
        "A causal mask alone lets each sequence in a row attend to the ones before it.",
        "silent",
        code(
            ATTENTION,
            "got = attend(row, causal)[None]  # MISTAKE: causal only, no document boundaries",
            "evidence = {",
            _CHANGED,
            '    "cells_across_sequences": int((causal & (document_ids[:, None] != '
            "document_ids[None, :])).sum()),",
            "}",
        ),
        code(
            ATTENTION,
            "same_document = document_ids[:, None] == document_ids[None, :]",
            "got = attend(row, causal & same_document)[None]  # FIX: block-diagonal and causal",
        ),
        two_or_more,
        partial(row_tokens_differ, what="that attended to another sequence"),
    ),
    Mistake(
        "rows_positions_not_reset",
        "Packed rows with positions that do not restart",
        "Position ids 0..L-1 over the whole row give every later sequence the wrong positions.",
        "silent",
        code(
            POSITIONS,
            "got = (row + pos_embedding(torch.arange(L)))[None]  # MISTAKE: the slot index",
            "evidence = {",
            _CHANGED,
            "}",
        ),
        code(
            POSITIONS,
            "position_ids = torch.cat([torch.arange(n) for n in lengths])  # FIX: 0 per sequence",
            "got = (row + pos_embedding(position_ids))[None]",
        ),
        two_or_more,
        partial(row_tokens_differ, what="given another sequence's positions"),
    ),
    Mistake(
        "rows_labels_across_boundaries",
        "Packed rows labelled across sequence boundaries",
        "Shifting the whole row trains each sequence's last token to predict the next "
        "sequence's first.",
        "silent",
        code(
            LABELS,
            "got = torch.cat([input_ids[1:], torch.tensor([-100])])  # MISTAKE: the whole row",
            "evidence = {",
            '    "labels_across_boundaries": int((got != expected).sum()),',
            "}",
        ),
        code(
            LABELS,
            "labels = torch.full_like(input_ids, -100)",
            "same_next = document_ids[1:] == document_ids[:-1]  # FIX: the same sequence only",
            "labels[:-1][same_next] = input_ids[1:][same_next]",
            "got = labels",
        ),
        two_or_more,
        partial(row_tokens_differ, what="trained to predict the next sequence's first token"),
    ),
    Mistake(
        "lstm_over_packed_row",
        "An LSTM run over a packed row",
        "The recurrence carries its state from one sequence into the next.",
        "silent",
        code(
            LSTM_ROW,
            "got = lstm(row[None])[0]  # MISTAKE: one recurrence through every sequence",
            "first = lengths[0]",
            "evidence = {",
            '    "first_sequence_difference": (got - expected)[0, :first].abs().max().item(),',
            '    "later_sequences_difference": (got - expected)[0, first:].abs().max().item(),',
            "}",
        ),
        code(
            LSTM_ROW,
            "# FIX: an RNN takes a batch of sequences, not a row: pack them instead.",
            "packed = pack_sequence(sequences, enforce_sorted=False)",
            "out, _ = pad_packed_sequence(lstm(packed)[0], batch_first=True)",
            "got = torch.cat([o[:n] for o, n in zip(out, lengths)])[None]",
        ),
        two_or_more,
        partial(row_tokens_differ, what="whose state carried over from the sequence before"),
    ),
)
