"""The hidden-state truth: packed equals alone, padded does not for shorter sequences."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from padviz.core.hidden_truth import describe, fold_tokens, hidden_truth
from padviz.core.models import RecurrentModel


def test_fold_tokens_keeps_lengths_and_stays_in_the_vocabulary() -> None:
    tokens, lengths = fold_tokens([[1, 7, 12], [40], [3, 4]], vocab_size=5)
    assert lengths.tolist() == [3, 1, 2]
    assert tokens.tolist() == [[1, 3, 4], [4, 0, 0], [3, 4, 0]]
    assert fold_tokens([[1]] * 50, 5, max_sequences=8)[0].shape == (8, 1)
    with pytest.raises(ValueError, match="none empty"):
        fold_tokens([[1], []], 5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_matches_alone_and_padded_does_not(bidirectional: bool, cell: str) -> None:
    torch.manual_seed(0)
    model = RecurrentModel(
        vocab_size=6,
        num_classes=3,
        embed=4,
        hidden=5,
        layers=2,
        bidirectional=bidirectional,
        cell=cell,
    )
    model.train()
    truth = hidden_truth(model, [[1, 2, 3, 4, 5, 1, 2], [3, 3], [5, 4, 3, 2]])
    width = 5 * (2 if bidirectional else 1)
    prefixes = ("", "c_") if cell == "lstm" else ("",)  # c_n: an LSTM's cell state
    assert ("c_padded" in truth) is (cell == "lstm")
    for p in prefixes:
        assert truth[p + "padded"].shape == truth[p + "packed"].shape == (3, width)
        assert truth[p + "alone"].shape == (3, width)
        np.testing.assert_allclose(truth[p + "packed_diff"], 0.0, atol=1e-6)
        assert truth[p + "padded_diff"][0] < 1e-6  # the longest sequence reads no pad
        assert np.all(truth[p + "padded_diff"][1:] > 1e-4)
    assert truth["lengths"].tolist() == [7, 2, 4]
    assert int(truth["directions"]) == (2 if bidirectional else 1)
    assert float(truth["scale"]) == max(
        np.abs(truth[k]).max() for k in ("padded", "packed", "alone")
    )
    assert model.training


def test_describe_counts_the_sequences_that_differ() -> None:
    truth = {
        "lengths": np.array([7, 2, 4]),
        "padded_diff": np.array([0.0, 0.3, 0.02]),
        "packed_diff": np.array([0.0, 1e-8, 0.0]),
    }
    text = describe(truth)
    assert "padded vs alone: 2 of 3 sequences differ" in text
    assert "packed vs alone: all match" in text and "lengths 2-7" in text
