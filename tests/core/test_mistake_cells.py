"""The cells each silent mistake lights, against references worked out here: torch run on each
sequence alone, or the cells the mistake must touch by its own arithmetic, batch by batch."""

from __future__ import annotations

import json

import pytest
import torch
from torch.nn.utils.rnn import pad_packed_sequence

from padviz.cli import main
from padviz.core import mistakes
from padviz.core.mistakes import ALL, run

torch.set_num_threads(1)
BATCHES = [(5, 3, 7), (2, 6, 4, 1), (4, 9, 2)]
Cells = set[tuple[int, int]]


def _wrong(result: mistakes.MistakeResult) -> dict:
    namespace, error = mistakes.execute(result.wrong_code, "reference")
    assert error is None
    return namespace


def _tokens(lengths, rows) -> Cells:
    return {(b, t) for b in rows for t in range(lengths[b])}


def _alone_differs(ns: dict, state) -> list[int]:
    """The sequences whose row of `got` is not `state(h_n)` of the sequence run alone."""
    rows = []
    for b, seq in enumerate(ns["sequences"]):
        _, (h_n, _) = ns["lstm"](seq[:, None])
        if not torch.allclose(ns["got"][b], state(h_n), atol=1e-5, rtol=0):
            rows.append(b)
    return rows


def _forgot_unsort(r, ns) -> Cells:
    rows = _alone_differs(ns, lambda h_n: h_n[-1, 0])
    # ... which are exactly the sequences that sorting moved
    assert rows == [k for k, i in enumerate(ns["order"]) if i != k]
    return _tokens(r.lengths, rows)


def _bidirectional(r, ns) -> Cells:
    rows = _alone_differs(ns, lambda h_n: h_n[-2, 0])  # the forward final state
    assert rows == list(range(len(r.lengths)))  # the backward state is never the forward one
    return _tokens(r.lengths, rows)


def _lengths_too_short(r, ns) -> Cells:
    # Unpacked with torch, the data packed under the short lengths: each sequence's last token
    # is not there.
    unpacked, _ = pad_packed_sequence(ns["packed"], total_length=ns["padded"].shape[0])
    read = unpacked.abs().sum(-1) != 0
    missing = {(b, t) for b, n in enumerate(r.lengths) for t in range(n) if not read[t, b]}
    assert missing == {(b, n - 1) for b, n in enumerate(r.lengths)}
    return missing


def _left_padding(r, ns) -> Cells:
    T = max(r.lengths)
    cells = set()
    for b, n in enumerate(r.lengths):
        for t in range(T):
            packed, real = t < n, t >= T - n  # packing takes the first n; left pads come first
            if packed != real:
                cells.add((b, t))
    return cells


def _batch_first(r, ns) -> Cells:
    assert ns["got"].shape[0] == max(r.lengths) != len(r.lengths)
    return {(b, t) for b in range(len(r.lengths)) for t in range(max(r.lengths))}


def _article_loss(r, ns) -> Cells:
    return {(b, t) for b, n in enumerate(r.lengths) for t in range(n, max(r.lengths))}


def _ignore_index_class0(r, ns) -> Cells:
    return {(b, t) for b, n in enumerate(r.lengths) for t in range(n) if t % ns["C"] == 0}


def _mask_wrong_major(r, ns) -> Cells:
    T, B = max(r.lengths), len(r.lengths)
    cells = set()
    for i in range(T * B):
        t, b = divmod(i, B)  # the losses' (T, B) order
        s, u = divmod(i, T)  # the (B, T) mask's order
        if (u < r.lengths[s]) != (t < r.lengths[b]):
            cells.add((b, t))
    return cells


def _accumulation(r, ns) -> Cells:
    half = (len(r.lengths) + 1) // 2
    first, second = sum(r.lengths[:half]), sum(r.lengths[half:])
    assert first != second  # so every token is weighted wrongly
    return _tokens(r.lengths, range(len(r.lengths)))


REFERENCES = {
    "forgot_unsort_h_n": _forgot_unsort,
    "bidirectional_h_n_last": _bidirectional,
    "lengths_too_short": _lengths_too_short,
    "left_padding_packed": _left_padding,
    "batch_first_mismatch": _batch_first,
    "article_loss": _article_loss,
    "ignore_index_class0": _ignore_index_class0,
    "mask_wrong_major": _mask_wrong_major,
    "accumulation_mean_of_means": _accumulation,
}


def test_every_silent_mistake_lights_cells_and_every_error_none() -> None:
    silent = {name for name, m in ALL.items() if m.expect == "silent" and name in REFERENCES}
    assert silent == set(REFERENCES)
    assert all(ALL[name].cells is not None for name in REFERENCES)
    assert run("zero_length").affected is None and run("zero_length").affected_cells == ()


@pytest.mark.parametrize("lengths", BATCHES)
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_cells_match_the_reference(name, lengths) -> None:
    r = run(name, lengths)
    assert r.affected is not None and r.affected.text
    expected = REFERENCES[name](r, _wrong(r))
    assert expected and set(r.affected_cells) == expected, r.affected.text
    assert len(r.affected_cells) == len(expected)  # each once
    side = "left" if name == "left_padding_packed" else "right"
    assert r.affected.padding_side == side


def test_the_words_count_what_is_lit() -> None:
    r = run("lengths_too_short", (5, 3, 7))
    assert r.affected.text == "the 3 real tokens torch never read"
    r = run("left_padding_packed", (5, 3, 7))
    assert r.affected.text == "5 pads packed and 5 real tokens dropped"
    r = run("article_loss", (2, 6, 4, 1))
    assert r.affected.text == "the 11 pad cells the mean counted"


def test_json_has_the_cells_and_keeps_the_contract(capsys) -> None:
    assert main(["mistakes", "lengths_too_short", "--lengths", "4,2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    contract = ("name", "title", "wrong_code", "fix_code", "outcome", "torch_message")
    assert list(out)[:8] == [*contract, "evidence", "fixed"]
    assert out["affected_cells"] == [[0, 3], [1, 1]]
    assert out["affected_text"] == "the 2 real tokens torch never read"
    assert out["padding_side"] == "right"
    assert main(["mistakes", "zero_length", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["affected_cells"] == [] and out["affected_text"] is None


def _token_at(batch, layout, row: int, t: int) -> int | None:
    """The token id at (row, t) of the explorer's padded tensor, None at a pad."""
    if not layout.mask_bt[row, t]:
        return None
    return int(layout.padded_bt[row, t])


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("order", ["given", "sorted"])
def test_explorer_cells_are_the_same_tokens_in_the_explorers_layout(side, order) -> None:
    from padviz.core.batch import from_lengths
    from padviz.core.layout import compute_layout
    from padviz.core.mistake_views import explorer_cells
    from padviz.core.options import LayoutOptions

    batch = from_lengths([5, 3, 7])
    options = LayoutOptions(padding_side=side, order=order)
    layout = compute_layout(batch, options)
    # the last token of each sequence, never read: the same tokens lit in the explorer
    r = run("lengths_too_short", (5, 3, 7))
    keys = explorer_cells(r, batch, options)
    assert sorted(_token_at(batch, layout, row, t) for row, t in keys.tolist()) == sorted(
        seq[-1] for seq in batch.sequences
    )
    rows = [int(layout.order[row]) for row, _ in keys.tolist()]
    assert sorted(rows) == [0, 1, 2]
    # left padding's cells: its dropped real tokens are the same tokens, its packed pads pads
    r = run("left_padding_packed", (5, 3, 7))
    keys = explorer_cells(r, batch, options)
    assert len(keys) == len(r.affected_cells)
    tokens = [_token_at(batch, layout, row, t) for row, t in keys.tolist()]
    assert tokens.count(None) == 5  # the 5 pads packed
    dropped = sorted(t for t in tokens if t is not None)
    T = 7
    expected = sorted(
        batch.sequences[s][t - (T - len(batch.sequences[s]))]
        for s, t in r.affected_cells
        if t >= T - len(batch.sequences[s])
    )
    assert dropped == expected


def test_cells_beyond_the_explorers_max_length_are_left_out() -> None:
    from padviz.core.batch import from_lengths
    from padviz.core.mistake_views import explorer_cells
    from padviz.core.options import LayoutOptions

    r = run("lengths_too_short", (5, 3, 7))
    keys = explorer_cells(r, from_lengths([5, 3, 7]), LayoutOptions(max_length=4))
    assert keys.tolist() == [[1, 2]]  # only sequence 1's last token (t=2) is still drawn


def test_the_caption_says_what_is_lit_before_and_after_the_fix() -> None:
    from padviz.core.mistake_views import caption

    r = run("left_padding_packed", (5, 3, 7))
    assert caption(r, fixed=False) == (
        "Lit: 5 pads packed and 5 real tokens dropped (left-padded, as the wrong code padded)."
    )
    assert caption(r, fixed=True).startswith("Lit before the fix: 5 pads packed")
    assert caption(run("zero_length"), fixed=False) == ""
