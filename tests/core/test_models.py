"""The LSTM model against the ground truth: every sequence run alone, unpadded, through nn.LSTM."""

import numpy as np
import pytest
import torch

from padviz.core.models import MODES, LSTMModel, ModeError, final_hidden_states

LENGTHS = [7, 3, 5, 1, 7, 2]


def make(bidirectional: bool, layers: int = 1, per_token: bool = True, seed: int = 0):
    torch.manual_seed(seed)
    model = LSTMModel(
        9, 4, embed=6, hidden=5, layers=layers, bidirectional=bidirectional, per_token=per_token
    )
    lengths = torch.tensor(LENGTHS)
    tokens = torch.randint(1, 9, (len(LENGTHS), max(LENGTHS)))
    tokens[torch.arange(max(LENGTHS))[None, :] >= lengths[:, None]] = 0
    return model, tokens, lengths


def alone_reference(model: LSTMModel, tokens, lengths) -> torch.Tensor:
    """h_n of the last layer (directions concatenated), each sequence run alone through torch."""
    dirs = 2 if model.lstm.bidirectional else 1
    states = []
    with torch.no_grad():
        for i, n in enumerate(lengths.tolist()):
            _, (h_n, _) = model.lstm(model.embedding(tokens[i : i + 1, :n]))
            states.append(torch.cat(tuple(h_n[-dirs:]), dim=1))
    return torch.cat(states)


@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_final_state_equals_alone_and_padded_does_not(bidirectional, layers):
    model, tokens, lengths = make(bidirectional, layers)
    states = final_hidden_states(model, tokens, lengths)
    reference = alone_reference(model, tokens, lengths).numpy()
    np.testing.assert_allclose(states["alone"], reference, atol=1e-6)
    np.testing.assert_allclose(states["packed"], reference, atol=1e-5)
    assert (states["packed_diff"] < 1e-5).all()

    hidden = model.lstm.hidden_size
    longest = np.array(LENGTHS) == max(LENGTHS)
    np.testing.assert_allclose(states["padded"][longest], reference[longest], atol=1e-5)
    for i in np.flatnonzero(~longest):
        # every direction of a shorter sequence has read pads: forward after its last token,
        # backward before its first one
        for d in range(2 if bidirectional else 1):
            cols = slice(d * hidden, (d + 1) * hidden)
            assert np.abs(states["padded"][i, cols] - reference[i, cols]).max() > 1e-3, (i, d)
        assert states["padded_diff"][i] > 1e-3
    assert states["padded"].shape == (len(LENGTHS), hidden * (2 if bidirectional else 1))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_outputs_are_exactly_zero_at_pads(bidirectional):
    model, tokens, lengths = make(bidirectional)
    out, _ = model.encode(tokens, lengths, packed=True)
    pads = tokens == 0
    assert pads.any()
    assert (out[pads] == 0).all()
    assert (out[~pads] != 0).any(dim=-1).all()


def test_padded_outputs_at_real_tokens_match_packed_only_when_unidirectional():
    for bidirectional, same in ((False, True), (True, False)):
        model, tokens, lengths = make(bidirectional)
        real = tokens != 0
        padded, _ = model.encode(tokens, lengths, packed=False)
        packed, _ = model.encode(tokens, lengths, packed=True)
        assert torch.allclose(padded[real], packed[real], atol=1e-6) is same


@pytest.mark.parametrize("mode", MODES)
def test_logit_shapes(mode):
    model, tokens, lengths = make(True)
    assert model(tokens, lengths, mode).shape == (6, 7, 4)
    model, tokens, lengths = make(True, per_token=False)
    assert model(tokens, lengths, mode).shape == (6, 4)


def test_per_sequence_logits_read_the_final_hidden_state():
    model, tokens, lengths = make(True, per_token=False)
    with torch.no_grad():
        logits = model(tokens, lengths, "packed")
        expected = model.head(alone_reference(model, tokens, lengths))
    torch.testing.assert_close(logits, expected, atol=1e-5, rtol=0)


def test_padded_modes_share_one_forward_pass():
    model, tokens, lengths = make(False)
    with torch.no_grad():
        assert torch.equal(
            model(tokens, lengths, "padded-unmasked"), model(tokens, lengths, "padded-masked")
        )


def test_unknown_mode_is_named():
    model, tokens, lengths = make(False)
    with pytest.raises(ModeError, match="unknown mode 'bucketed'; choose one of padded-unmasked"):
        model(tokens, lengths, "bucketed")
