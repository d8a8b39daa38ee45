"""Each pitfall is detected where it applies, and what it says about torch is true."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
)

from padviz.core.options import LayoutOptions
from padviz.core.pitfalls import ALL, Pitfall, detect, explain

NAMES = {
    "zero_length",
    "length_exceeds_T",
    "left_padding_packed",
    "lengths_on_cuda",
    "float_lengths",
    "unsorted_enforce_sorted",
    "truncated",
    "unpack_drops_padding",
    "padding_value_is_token",
    "more_buckets_than_sequences",
    "article_loss_scalar",
    "ignore_index_drops_class0",
    "padded_h_n",
}


def names(found: list[Pitfall]) -> list[str]:
    return [p.name for p in found]


def test_catalogue_is_complete_and_explained():
    assert set(ALL) == NAMES
    for name, pitfall in ALL.items():
        assert explain(name) is pitfall
        assert pitfall.severity in ("error", "warning", "info")
        assert pitfall.title and len(pitfall.message) > 150
    with pytest.raises(KeyError, match="unknown pitfall 'nope'"):
        explain("nope")


# -- detection --------------------------------------------------------------------------------
def test_clean_batch_has_no_pitfalls():
    assert detect([5, 3, 7], 7, LayoutOptions()) == []
    assert detect([7, 5, 3], 7, LayoutOptions(enforce_sorted=True)) == []


@pytest.mark.parametrize(
    "lengths, T, options, kwargs, expected, detail",
    [
        ([5, 0, 7], 7, LayoutOptions(), {}, ["zero_length"], "Sequence(s) at 1 have length 0."),
        ([5, 9], 7, LayoutOptions(), {}, ["length_exceeds_T"], "Length(s) 9 exceed T = 7."),
        (
            [5, 3, 7],
            7,
            LayoutOptions(padding_side="left"),
            {},
            ["left_padding_packed"],
            "2 of 3 sequences are shorter than T = 7",
        ),
        (
            [4, 4],
            4,
            LayoutOptions(padding_side="left"),
            {},
            ["left_padding_packed"],
            "Every sequence fills T here",
        ),
        (
            [5, 3],
            5,
            LayoutOptions(),
            {"lengths_device": "cuda:0"},
            ["lengths_on_cuda"],
            "The lengths are on cuda:0.",
        ),
        (
            [4.9, 3.0],
            4,
            LayoutOptions(),
            {},
            ["float_lengths"],
            "Lengths 4.9 would become 4.",
        ),
        (
            [5, 3],
            5,
            LayoutOptions(),
            {"lengths_dtype": "float32"},
            ["float_lengths"],
            "The lengths are float32",
        ),
        (
            [3, 5],
            5,
            LayoutOptions(enforce_sorted=True),
            {},
            ["unsorted_enforce_sorted"],
            "Length 5 at position 1 follows 3.",
        ),
        (
            [9, 3],
            4,
            LayoutOptions(max_length=4),
            {},
            ["truncated"],
            "1 of 2 sequences are cut to 4 tokens (5 tokens dropped).",
        ),
        (
            [5, 3],
            8,
            LayoutOptions(pad_to_multiple_of=8),
            {},
            ["unpack_drops_padding"],
            "T = 8 but the longest sequence has 5 tokens.",
        ),
        (
            [5, 3, 7],
            7,
            LayoutOptions(order="bucketed", buckets=10),
            {},
            ["more_buckets_than_sequences"],
            "buckets 10 but the batch has 3 sequences: 3 buckets are used.",
        ),
    ],
)
def test_detect_each_pitfall(lengths, T, options, kwargs, expected, detail):
    found = detect(lengths, T, options, **kwargs)
    assert names(found) == expected
    assert found[0].message.startswith(detail)
    assert found[0].message.endswith(ALL[expected[0]].message)
    assert found[0].severity == ALL[expected[0]].severity


def test_detect_truncates_before_judging_lengths():
    # 9 is cut to 4, so it neither exceeds T = 4 nor breaks the descending order.
    found = detect([9, 4, 2], 4, LayoutOptions(max_length=4, enforce_sorted=True))
    assert names(found) == ["truncated"]


# -- what torch really does -------------------------------------------------------------------
SEQS = [
    torch.tensor([1.0, 2, 3, 4, 5]),
    torch.tensor([6.0, 7, 8]),
    torch.tensor([9.0, 10, 11, 12, 13, 14, 15]),
]


def test_torch_refuses_length_zero():
    padded = pad_sequence(SEQS)
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_padded_sequence(padded, torch.tensor([5, 0, 7]), enforce_sorted=False)
    # ...while pad_sequence accepts an empty sequence as a column of pure padding.
    assert pad_sequence([torch.zeros(0), torch.ones(2)]).tolist() == [[0.0, 1.0], [0.0, 1.0]]


def test_torch_does_not_check_length_against_T_and_fails_later():
    padded = pad_sequence(SEQS)[:4]  # T = 4, but the lengths still say 5, 3, 7
    packed = pack_padded_sequence(padded, torch.tensor([5, 3, 7]), enforce_sorted=False)
    assert len(packed.batch_sizes) == 7  # more time steps than the tensor's 4
    assert packed.data.shape[0] < int(packed.batch_sizes.sum())  # fewer rows than promised
    with pytest.raises(RuntimeError):
        pad_packed_sequence(packed)
    lstm = torch.nn.LSTM(1, 2)
    with pytest.raises(RuntimeError, match="exceeds dimension size"):
        lstm(
            PackedSequence(
                packed.data[:, None],
                packed.batch_sizes,
                packed.sorted_indices,
                packed.unsorted_indices,
            )
        )


def test_torch_packs_left_padding_into_garbage_silently():
    padded = pad_sequence(SEQS, padding_side="left", padding_value=-1.0)
    packed = pack_padded_sequence(padded, torch.tensor([5, 3, 7]), enforce_sorted=False)
    honest = pack_sequence(SEQS, enforce_sorted=False)
    assert torch.equal(packed.batch_sizes, honest.batch_sizes)  # looks the same...
    assert (packed.data == -1).sum() == 2 + 3  # ...but holds pads: 2 of seq 0, 3 of seq 1
    assert {4.0, 5.0, 6.0, 7.0, 8.0}.isdisjoint(packed.data.tolist())  # and lost real tokens


def test_torch_wants_lengths_as_1d_cpu_int64():
    padded = pad_sequence(sorted(SEQS, key=len, reverse=True))
    # The check that refuses CUDA lengths ("1D CPU int64"), here reached without a GPU.
    with pytest.raises(RuntimeError, match="'lengths' argument should be a 1D CPU int64 tensor"):
        pack_padded_sequence(padded, torch.tensor([[7], [5], [3]]))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_torch_refuses_cuda_lengths():
    padded = pad_sequence(SEQS).cuda()
    with pytest.raises(RuntimeError, match="should be a 1D CPU int64 tensor, but got 1D cuda"):
        pack_padded_sequence(padded, torch.tensor([5, 3, 7], device="cuda"), enforce_sorted=False)


def test_torch_truncates_float_lengths():
    padded = pad_sequence(SEQS)
    floats = pack_padded_sequence(padded, torch.tensor([4.9, 3.0, 7.0]), enforce_sorted=False)
    ints = pack_padded_sequence(padded, torch.tensor([4, 3, 7]), enforce_sorted=False)
    assert torch.equal(floats.batch_sizes, ints.batch_sizes)
    assert 5.0 not in floats.data.tolist()  # sequence 0 lost its last token


def test_torch_refuses_unsorted_lengths_with_enforce_sorted():
    padded = pad_sequence(SEQS)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        pack_padded_sequence(padded, torch.tensor([5, 3, 7]))  # enforce_sorted=True by default


def test_torch_unpacks_only_to_the_longest_length():
    padded = torch.cat([pad_sequence(SEQS), torch.zeros(3, 3)])  # T = 10, longest = 7
    packed = pack_padded_sequence(padded, torch.tensor([5, 3, 7]), enforce_sorted=False)
    assert pad_packed_sequence(packed)[0].shape == (7, 3)
    assert pad_packed_sequence(packed, total_length=10)[0].shape == (10, 3)


def test_padding_value_that_is_a_token_breaks_the_shortcut_mask():
    seqs = [torch.tensor([1, 3, 2]), torch.tensor([3])]
    padded = pad_sequence(seqs, batch_first=True, padding_value=3)
    true_mask = torch.tensor([[True, True, True], [True, False, False]])
    assert not torch.equal(padded != 3, true_mask)


def _logits_and_targets():
    torch.manual_seed(0)
    logits = torch.randn(2 * 4, 3)
    targets = torch.tensor([[2, 0, 1, 0], [1, 2, 0, 0]]).view(-1)  # real class 0 at (0, 1)
    mask = torch.tensor([[1, 1, 1, 0], [1, 1, 0, 0]], dtype=torch.float32).view(-1)
    return logits, targets, mask


def test_the_articles_loss_does_not_mask():
    logits, targets, mask = _logits_and_targets()
    loss = F.cross_entropy(logits, targets, ignore_index=0)
    assert loss.dim() == 0  # one scalar, not one loss per token

    def article(m):
        return torch.sum(loss * m) / torch.sum(m)

    # Any mask gives the same number back: the scalar itself.
    assert torch.allclose(article(mask), loss)
    assert torch.allclose(article(torch.ones_like(mask)), loss)
    per_token = F.cross_entropy(logits, targets, reduction="none")
    masked_mean = (per_token * mask).sum() / mask.sum().clamp_min(1)
    assert not torch.allclose(article(mask), masked_mean)


def test_ignore_index_zero_drops_real_class_zero():
    logits, targets, mask = _logits_and_targets()
    per_token = F.cross_entropy(logits, targets, reduction="none")
    masked_mean = (per_token * mask).sum() / mask.sum()
    ignore0 = F.cross_entropy(logits, targets, ignore_index=0)
    kept = (targets != 0).float()
    assert torch.allclose(ignore0, (per_token * kept).sum() / kept.sum())
    assert not torch.allclose(ignore0, masked_mean)  # the real class-0 token is gone
    fixed = F.cross_entropy(logits, targets.masked_fill(mask == 0, -100))
    assert torch.allclose(fixed, masked_mean)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_padded_h_n_is_wrong_and_packed_h_n_is_right(bidirectional):
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(1, 4, bidirectional=bidirectional)
    seqs = [s[:, None] / 10 for s in SEQS]
    lengths = torch.tensor([5, 3, 7])
    padded = pad_sequence(seqs)
    with torch.no_grad():
        alone = torch.stack([lstm(s[:, None])[1][0][:, 0] for s in seqs], dim=1)
        _, (h_padded, _) = lstm(padded)
        _, (h_packed, _) = lstm(pack_padded_sequence(padded, lengths, enforce_sorted=False))
    assert torch.allclose(h_packed, alone, atol=1e-6)
    for b in (0, 1):  # the shorter sequences
        assert not torch.allclose(h_padded[:, b], alone[:, b], atol=1e-3)
    assert torch.allclose(h_padded[0, 2], alone[0, 2], atol=1e-6)  # the longest, forward
