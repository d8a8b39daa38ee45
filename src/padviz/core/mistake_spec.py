"""What one entry of the mistake lab is, and the code every entry's snippets start from.

A snippet is a complete script: it builds a small batch from the given lengths, commits the
mistake (or applies the fix), and leaves two tensors, `got` (what the code computed) and
`expected` (the per-sequence reference, computed one sequence at a time), and optionally
`evidence`, a dict of the numbers worth showing. padviz.core.mistakes runs it as printed.
No torch here: listing the catalogue must not wait for it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise

from padviz.core.mistake_cells import CellFinder

Lengths = tuple[int, ...]
DEFAULT_LENGTHS: Lengths = (5, 3, 7)


@dataclass(frozen=True)
class Mistake:
    """One mistake. `wrong` and `fix` write the snippets for a batch of these lengths;
    `prepare` turns the requested lengths into a batch that shows the mistake, with a note
    saying what was changed and why ("" when nothing was). `cells`, for a silent one, finds
    the batch cells it affected in the wrong snippet's namespace (padviz.core.mistake_cells)."""

    name: str
    title: str
    line: str
    expect: str  # "error" or "silent": what the wrong code does (on a batch `prepare` gives)
    wrong: Snippet
    fix: Snippet
    prepare: Callable[[Lengths], tuple[Lengths, str]]
    cells: CellFinder | None = None


# -- preparing a batch that shows the mistake ---------------------------------------------------
def as_given(lengths: Lengths) -> tuple[Lengths, str]:
    return lengths, ""


def _default(why: str) -> tuple[Lengths, str]:
    shown = ",".join(map(str, DEFAULT_LENGTHS))
    return DEFAULT_LENGTHS, f"This mistake needs {why}, so it runs on lengths {shown}."


def unequal(lengths: Lengths) -> tuple[Lengths, str]:
    """Some padding: at least two sequences of different lengths."""
    if len(set(lengths)) > 1:
        return lengths, ""
    return _default("sequences of different lengths (some padding)")


def unsorted(lengths: Lengths) -> tuple[Lengths, str]:
    """Lengths not in decreasing order: a sorted batch is reversed."""
    if any(b > a for a, b in pairwise(lengths)):
        return lengths, ""
    if len(set(lengths)) > 1:
        return lengths[::-1], "The lengths were sorted, so they run reversed (shortest first)."
    return _default("sequences of different lengths, not sorted longest first")


def halves(lengths: Lengths) -> tuple[Lengths, Lengths]:
    """The two shares of a batch split across two replicas or micro-batches."""
    half = (len(lengths) + 1) // 2
    return lengths[:half], lengths[half:]


def halves_differ_in_longest(lengths: Lengths) -> tuple[Lengths, str]:
    first, second = halves(lengths)
    if first and second and max(first) != max(second):
        return lengths, ""
    return _default("two halves whose longest sequences differ")


def halves_differ_in_tokens(lengths: Lengths) -> tuple[Lengths, str]:
    first, second = halves(lengths)
    if first and second and sum(first) != sum(second):
        return lengths, ""
    return _default("two halves holding different numbers of tokens")


def at_least_two(lengths: Lengths) -> tuple[Lengths, str]:
    """Every sequence has a last token to lose and still one left."""
    if all(n >= 2 for n in lengths):
        return lengths, ""
    grown = tuple(max(n, 2) for n in lengths)
    return grown, "Sequences of length 1 run as length 2, so that each keeps a token."


def more_than_one_cell(lengths: Lengths) -> tuple[Lengths, str]:
    """Not a single sequence of a single token (time and batch would read alike)."""
    if len(lengths) > 1 or lengths[0] > 1:
        return lengths, ""
    return _default("more than one sequence or token")


def with_empty(lengths: Lengths) -> tuple[Lengths, str]:
    if 0 in lengths:
        return lengths, ""
    return (*lengths, 0), "A sequence of length 0 is added at the end of the batch."


def flat_orders_differ(lengths: Lengths) -> tuple[Lengths, str]:
    """A batch-major mask flattened is not the time-major one flattened."""
    T = max(lengths)
    batch_major = [t < n for n in lengths for t in range(T)]
    time_major = [t < n for t in range(T) for n in lengths]
    if batch_major != time_major:
        return lengths, ""
    return _default("a mask whose batch-major and time-major orders differ")


# -- the code every snippet starts from ----------------------------------------------------------
def _literal(lengths: Lengths) -> str:
    return f"[{', '.join(map(str, lengths))}]"


def rnn_setup(lengths: Lengths, *, bidirectional: bool = False, outputs: bool = False) -> str:
    """sequences, an LSTM and `expected`: h_n of each sequence run alone (its every output,
    padded with zeros, with `outputs`)."""
    bi = ", bidirectional=True" if bidirectional else ""
    if outputs:
        reference = [
            "# The reference: every output of each sequence run alone, zeros at the pads.",
            "expected = pad_sequence([lstm(s[:, None])[0][:, 0] for s in sequences])",
        ]
    else:
        state = "torch.cat([h_n[-2, 0], h_n[-1, 0]])" if bidirectional else "h_n[-1, 0]"
        what = "forward and backward final states" if bidirectional else "final hidden state"
        reference = [
            "",
            "",
            "def alone(seq):",
            f'    """The {what} of one sequence run by itself: the reference."""',
            "    _, (h_n, _) = lstm(seq[:, None])",
            f"    return {state}",
            "",
            "",
            "expected = torch.stack([alone(s) for s in sequences if len(s) > 0])",
        ]
    return "\n".join(
        [
            "import torch",
            "from torch import nn",
            "from torch.nn.utils.rnn import (",
            "    pack_padded_sequence, pad_packed_sequence, pad_sequence",
            ")",
            "",
            "torch.manual_seed(0)",
            f"lengths = {_literal(lengths)}",
            "sequences = [torch.randn(n, 4) for n in lengths]  # n steps of 4 features each",
            f"lstm = nn.LSTM(4, 6{bi})  # time-first (T x B), like pad_sequence's default",
            *reference,
            "",
        ]
    )


def loss_setup(lengths: Lengths) -> str:
    """Time-first logits and targets (class 0 is a real class), the mask, and `expected`:
    the mean cross-entropy over the real tokens, one sequence at a time."""
    return "\n".join(
        [
            "import torch",
            "import torch.nn.functional as F",
            "from torch.nn.utils.rnn import pad_sequence",
            "",
            "torch.manual_seed(0)",
            f"lengths = {_literal(lengths)}",
            "C = 5  # classes; class 0 is a real class, as digits or tags are",
            "T, B = max(lengths), len(lengths)",
            "logits = torch.randn(T, B, C)  # time-first, like pad_sequence's default",
            "target_list = [torch.arange(n) % C for n in lengths]  # each starts with class 0",
            "mask = torch.arange(T)[:, None] < torch.tensor(lengths)[None, :]  # (T, B)",
            "# The reference: the real tokens' mean loss, one sequence at a time.",
            "expected = torch.cat([",
            '    F.cross_entropy(logits[:n, b], target_list[b], reduction="none")',
            "    for b, n in enumerate(lengths)",
            "]).mean()",
            "",
        ]
    )


def snippet(setup: str, *body: str) -> str:
    """A whole runnable script: the setup, the lines that differ, and what it prints."""
    return "\n".join(
        [
            setup,
            *body,
            "",
            'print("got:", got)',
            'print("expected:", expected)',
            "",
        ]
    )


@dataclass(frozen=True)
class Setup:
    """What a snippet starts from: `write(lengths)` gives the code, `summary` says it in one
    comment, for the excerpt the lab shows first."""

    write: Callable[[Lengths], str]
    summary: str


RNN = Setup(
    rnn_setup,
    "# Set-up: sequences of 4 features, lstm = nn.LSTM(4, 6),\n"
    "# expected = h_n[-1] of each sequence run alone.",
)
BIDIRECTIONAL = Setup(
    partial(rnn_setup, bidirectional=True),
    "# Set-up: sequences of 4 features, a bidirectional lstm, expected =\n"
    "# [forward final state, backward final state] of each sequence run alone.",
)
RNN_OUTPUTS = Setup(
    partial(rnn_setup, outputs=True),
    "# Set-up: sequences of 4 features, lstm = nn.LSTM(4, 6),\n"
    "# expected = every output of each sequence run alone, zeros at the pads.",
)
LOSS = Setup(
    loss_setup,
    "# Set-up: logits (T, B, C), target_list (class 0 is real), mask (T, B),\n"
    "# expected = the real tokens' mean loss, one sequence at a time.",
)


@dataclass(frozen=True)
class Snippet:
    """A snippet writer: called with the lengths, the whole script; `excerpt`, the set-up in
    a comment and the lines after it (what the lab shows first)."""

    setup: Setup
    body: tuple[str, ...]

    def __call__(self, lengths: Sequence[int]) -> str:
        return snippet(self.setup.write(tuple(lengths)), *self.body)

    @property
    def excerpt(self) -> str:
        """Without the `evidence = ...` report at the end: it is for padviz to show."""
        body = list(self.body)
        cut = next((i for i, line in enumerate(body) if line.startswith("evidence =")), None)
        shown = [self.setup.summary]
        for line in body[:cut]:
            if line or shown[-1]:  # one blank line where the script has two
                shown.append(line)
        return "\n".join(shown)


def code(setup: Setup, *body: str) -> Snippet:
    return Snippet(setup, body)
