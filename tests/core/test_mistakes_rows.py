"""The row-packing mistakes: what each one gets wrong, counted independently of its snippet."""

from __future__ import annotations

import pytest
import torch

from padviz.core.mistakes import run

LENGTHS = [(5, 3, 7), (2, 9, 1, 4)]


@pytest.fixture(autouse=True)
def _one_thread():
    torch.set_num_threads(1)


@pytest.mark.parametrize("lengths", LENGTHS)
def test_without_the_document_mask_every_later_token_sees_another_sequence(lengths) -> None:
    r = run("rows_without_document_mask", lengths)
    assert r.evidence["tokens_changed"] == sum(lengths) - lengths[0]  # all but the first's
    before = [sum(lengths[:i]) for i in range(len(lengths))]
    assert r.evidence["cells_across_sequences"] == sum(
        n * b for n, b in zip(lengths, before, strict=True)
    )
    assert r.fixed


@pytest.mark.parametrize("lengths", LENGTHS)
def test_positions_that_do_not_restart_move_every_later_token(lengths) -> None:
    r = run("rows_positions_not_reset", lengths)
    assert r.evidence["tokens_changed"] == sum(lengths) - lengths[0]
    assert r.fixed and r.fix_difference == 0.0


@pytest.mark.parametrize("lengths", LENGTHS)
def test_shifting_the_whole_row_labels_one_token_per_boundary(lengths) -> None:
    r = run("rows_labels_across_boundaries", lengths)
    assert r.evidence["labels_across_boundaries"] == len(lengths) - 1
    assert r.fixed


@pytest.mark.parametrize("lengths", LENGTHS)
def test_an_lstm_over_a_row_is_right_for_the_first_sequence_only(lengths) -> None:
    r = run("lstm_over_packed_row", lengths)
    assert r.evidence["first_sequence_difference"] == 0.0
    assert r.evidence["later_sequences_difference"] > 1e-3
    assert r.fixed and r.fix_difference <= 1e-5


def test_a_single_sequence_runs_on_a_batch_with_a_boundary() -> None:
    r = run("lstm_over_packed_row", (4,))
    assert len(r.lengths) >= 2 and "two sequences" in r.note


@pytest.mark.parametrize("lengths", LENGTHS)
def test_the_lit_cells_are_the_tokens_each_mistake_got_wrong(lengths) -> None:
    later = {(s, t) for s in range(1, len(lengths)) for t in range(lengths[s])}
    for name in ("rows_without_document_mask", "rows_positions_not_reset", "lstm_over_packed_row"):
        affected = run(name, lengths).affected
        assert set(affected.cells) == later, name  # every token after the first sequence
        assert f"the {len(later)} tokens" in affected.text
    ends = {(s, lengths[s] - 1) for s in range(len(lengths) - 1)}  # all but the last's end
    assert set(run("rows_labels_across_boundaries", lengths).affected.cells) == ends
