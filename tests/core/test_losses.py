"""Loss variants against per-sequence references and against torch's own cross-entropy."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from padviz.core import losses
from padviz.core.models import RecurrentModel

C = 4


def padded_batch(lengths: list[int], seed: int = 0, zero_free: bool = False):
    """Random logits and targets for a right-padded batch; targets are 0 at pads."""
    g = torch.Generator().manual_seed(seed)
    steps = max(lengths)
    mask = torch.arange(steps)[None, :] < torch.tensor(lengths)[:, None]
    logits = torch.randn(len(lengths), steps, C, generator=g)
    low = 1 if zero_free else 0
    targets = torch.randint(low, C, (len(lengths), steps), generator=g).masked_fill(~mask, 0)
    return logits, targets, mask


def per_sequence_reference(logits, targets, lengths) -> torch.Tensor:
    """Token-weighted mean over the sequences, each cut to its length first (no padding at all)."""
    total = sum(
        F.cross_entropy(logits[i, :n], targets[i, :n], reduction="sum")
        for i, n in enumerate(lengths)
    )
    return total / sum(lengths)


lengths_lists = st.lists(st.integers(1, 9), min_size=1, max_size=8)


@settings(max_examples=30, deadline=None)
@given(lengths=lengths_lists, seed=st.integers(0, 2**31))
def test_masked_equals_the_mean_over_unpadded_sequences(lengths, seed):
    logits, targets, mask = padded_batch(lengths, seed)
    expected = per_sequence_reference(logits, targets, lengths)
    torch.testing.assert_close(losses.masked(logits, targets, mask), expected)
    variants = losses.loss_variants(logits, targets, mask)
    torch.testing.assert_close(variants["masked"], expected)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_masked_loss_of_the_packed_model_equals_running_each_sequence_alone(bidirectional):
    torch.manual_seed(0)
    model = RecurrentModel(6, C, embed=5, hidden=7, bidirectional=bidirectional)
    lengths = [6, 2, 4, 1]
    _, targets, mask = padded_batch(lengths, seed=1)
    tokens = torch.randint(1, 6, targets.shape).masked_fill(~mask, 0)
    with torch.no_grad():
        alone_logits = torch.zeros(len(lengths), max(lengths), C)
        for i, n in enumerate(lengths):
            alone_logits[i, :n] = model(tokens[i : i + 1, :n], torch.tensor([n]), "packed")[0]
        expected = per_sequence_reference(alone_logits, targets, lengths)
        packed = losses.masked(model(tokens, torch.tensor(lengths), "packed"), targets, mask)
        padded = losses.masked(model(tokens, torch.tensor(lengths), "padded-masked"), targets, mask)
    torch.testing.assert_close(packed, expected)
    # masking the loss is enough when the LSTM only looks back; not when it also looks ahead
    assert torch.allclose(padded, expected) is (not bidirectional)


@settings(max_examples=20, deadline=None)
@given(lengths=lengths_lists, seed=st.integers(0, 2**31))
def test_unmasked_is_the_mean_over_every_cell(lengths, seed):
    logits, targets, mask = padded_batch(lengths, seed)
    expected = F.cross_entropy(logits.reshape(-1, C), targets.reshape(-1))
    torch.testing.assert_close(losses.unmasked(logits, targets), expected)
    torch.testing.assert_close(losses.loss_variants(logits, targets, mask)["unmasked"], expected)


def test_pad_logits_move_the_unmasked_loss_but_not_the_masked_one():
    logits, targets, mask = padded_batch([5, 2, 3])
    changed = logits.clone()
    changed[~mask] += torch.randn_like(changed[~mask]) * 5
    assert losses.masked(changed, targets, mask) == losses.masked(logits, targets, mask)
    assert losses.unmasked(changed, targets) != losses.unmasked(logits, targets)


def test_article_formula_multiplies_a_scalar_so_the_mask_does_nothing():
    logits, targets, mask = padded_batch([5, 2, 3, 5], seed=2)
    assert (targets[mask] == 0).any()
    scalar = F.cross_entropy(logits.view(-1, C), targets.view(-1), ignore_index=0)
    assert scalar.dim() == 0  # what the article multiplies by the mask
    article = losses.article(logits, targets, mask)
    torch.testing.assert_close(article, scalar)
    for other_mask in (torch.ones_like(mask), torch.rand(mask.shape) < 0.5):
        torch.testing.assert_close(losses.article(logits, targets, other_mask), scalar)
    torch.testing.assert_close(losses.loss_variants(logits, targets, mask)["article"], scalar)
    assert not torch.allclose(article, losses.masked(logits, targets, mask))


def test_ignore_index_zero_drops_real_tokens_of_class_zero():
    logits, targets, mask = padded_batch([4, 4, 2], seed=3)
    targets[0, 1] = 0  # a real token whose correct class is 0
    ignored = losses.ignore_index(logits, targets)
    changed = logits.clone()
    changed[0, 1, 0] -= 10.0  # much worse at that real token
    assert losses.ignore_index(changed, targets) == ignored  # not seen at all
    assert losses.article(changed, targets, mask) == losses.article(logits, targets, mask)
    assert losses.masked(changed, targets, mask) > losses.masked(logits, targets, mask)
    real_nonzero = mask & (targets != 0)
    expected = (losses.token_losses(logits, targets) * real_nonzero).sum() / real_nonzero.sum()
    torch.testing.assert_close(ignored, expected)


def test_without_real_class_zero_targets_article_and_ignore_index_equal_masked():
    logits, targets, mask = padded_batch([6, 3, 1, 4], seed=4, zero_free=True)
    masked = losses.masked(logits, targets, mask)
    torch.testing.assert_close(losses.ignore_index(logits, targets), masked)
    torch.testing.assert_close(losses.article(logits, targets, mask), masked)


def test_accuracy_counts_real_tokens_only():
    logits, targets, mask = padded_batch([3, 1])
    predicted = logits.argmax(-1)
    right = [(int(predicted[i, t]) == int(targets[i, t])) for i, t in mask.nonzero().tolist()]
    expected = torch.tensor(sum(right) / len(right))
    torch.testing.assert_close(losses.accuracy(logits, targets, mask), expected)
    perfect = F.one_hot(targets, C).float() * 10
    perfect[~mask] = torch.tensor([0.0, 10.0, 0.0, 0.0])  # wrong at every pad: ignored
    assert losses.accuracy(perfect, targets, mask) == 1.0


def test_per_sequence_variants_degenerate():
    g = torch.Generator().manual_seed(5)
    logits = torch.randn(16, C, generator=g)
    targets = torch.randint(0, C, (16,), generator=g)
    assert (targets == 0).any()
    v = losses.loss_variants(logits, targets, torch.ones(16, dtype=torch.bool))
    assert set(v) == set(losses.VARIANTS)
    torch.testing.assert_close(v["masked"], F.cross_entropy(logits, targets))
    torch.testing.assert_close(v["unmasked"], v["masked"])
    torch.testing.assert_close(v["article"], F.cross_entropy(logits, targets, ignore_index=0))
    torch.testing.assert_close(v["ignore_index"], v["article"])
    assert v["accuracy"] == (logits.argmax(-1) == targets).float().mean()


def test_variants_keep_the_graph_for_the_losses():
    logits, targets, mask = padded_batch([3, 2])
    logits.requires_grad_(True)
    v = losses.loss_variants(logits, targets, mask)
    v["masked"].backward()
    assert (logits.grad[~mask] == 0).all() and (logits.grad[mask] != 0).any()
    assert all(v[k].requires_grad for k in ("masked", "unmasked", "article", "ignore_index"))
    assert not v["accuracy"].requires_grad
