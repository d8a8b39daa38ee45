"""The recurrent model (LSTM, GRU, RNN) against the ground truth: every sequence run alone,
unpadded, through the same torch module."""

import numpy as np
import pytest
import torch

from padviz.core.models import CELLS, MODES, ModeError, RecurrentModel, final_hidden_states

LENGTHS = [7, 3, 5, 1, 7, 2]


def make(
    bidirectional: bool, layers: int = 1, per_token: bool = True, seed: int = 0, cell: str = "lstm"
):
    torch.manual_seed(seed)
    model = RecurrentModel(
        9,
        4,
        embed=6,
        hidden=5,
        layers=layers,
        bidirectional=bidirectional,
        per_token=per_token,
        cell=cell,
    )
    lengths = torch.tensor(LENGTHS)
    tokens = torch.randint(1, 9, (len(LENGTHS), max(LENGTHS)))
    tokens[torch.arange(max(LENGTHS))[None, :] >= lengths[:, None]] = 0
    return model, tokens, lengths


def alone_reference(model: RecurrentModel, tokens, lengths, which: int = 0) -> torch.Tensor:
    """h_n (which=0) or, for an LSTM, c_n (which=1) of the last layer (directions
    concatenated), each sequence run alone through the torch module itself."""
    dirs = 2 if model.rnn.bidirectional else 1
    states = []
    with torch.no_grad():
        for i, n in enumerate(lengths.tolist()):
            _, state = model.rnn(model.embedding(tokens[i : i + 1, :n]))
            state = state[which] if isinstance(model.rnn, torch.nn.LSTM) else state
            states.append(torch.cat(tuple(state[-dirs:]), dim=1))
    return torch.cat(states)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_final_state_equals_alone_and_padded_does_not(bidirectional, layers, cell):
    model, tokens, lengths = make(bidirectional, layers, cell=cell)
    states = final_hidden_states(model, tokens, lengths)
    assert isinstance(model.rnn, CELLS[cell])
    kinds = [("", 0), ("c_", 1)] if cell == "lstm" else [("", 0)]
    assert ("c_padded" in states) is (cell == "lstm")  # only an LSTM has a cell state
    for prefix, which in kinds:
        reference = alone_reference(model, tokens, lengths, which).numpy()
        np.testing.assert_allclose(states[prefix + "alone"], reference, atol=1e-6)
        np.testing.assert_allclose(states[prefix + "packed"], reference, atol=1e-5)
        assert (states[prefix + "packed_diff"] < 1e-5).all()

        hidden = model.rnn.hidden_size
        longest = np.array(LENGTHS) == max(LENGTHS)
        padded = states[prefix + "padded"]
        np.testing.assert_allclose(padded[longest], reference[longest], atol=1e-5)
        for i in np.flatnonzero(~longest):
            # every direction of a shorter sequence has read pads: forward after its last
            # token, backward before its first one
            for d in range(2 if bidirectional else 1):
                cols = slice(d * hidden, (d + 1) * hidden)
                assert np.abs(padded[i, cols] - reference[i, cols]).max() > 1e-3, (i, d)
            assert states[prefix + "padded_diff"][i] > 1e-3
        assert padded.shape == (len(LENGTHS), hidden * (2 if bidirectional else 1))


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_outputs_are_exactly_zero_at_pads(bidirectional, cell):
    model, tokens, lengths = make(bidirectional, cell=cell)
    out, _, _ = model.encode(tokens, lengths, packed=True)
    pads = tokens == 0
    assert pads.any()
    assert (out[pads] == 0).all()
    assert (out[~pads] != 0).any(dim=-1).all()


@pytest.mark.parametrize("cell", list(CELLS))
def test_padded_outputs_at_real_tokens_match_packed_only_when_unidirectional(cell):
    for bidirectional, same in ((False, True), (True, False)):
        model, tokens, lengths = make(bidirectional, cell=cell)
        real = tokens != 0
        padded, _, _ = model.encode(tokens, lengths, packed=False)
        packed, _, _ = model.encode(tokens, lengths, packed=True)
        assert torch.allclose(padded[real], packed[real], atol=1e-6) is same


@pytest.mark.parametrize("mode", MODES)
def test_logit_shapes(mode):
    model, tokens, lengths = make(True)
    assert model(tokens, lengths, mode).shape == (6, 7, 4)
    model, tokens, lengths = make(True, per_token=False)
    assert model(tokens, lengths, mode).shape == (6, 4)


@pytest.mark.parametrize("cell", list(CELLS))
def test_per_sequence_logits_read_the_final_hidden_state(cell):
    model, tokens, lengths = make(True, per_token=False, cell=cell)
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


def test_unknown_cell_is_named():
    with pytest.raises(ModeError, match="unknown cell 'lstn'; choose one of lstm, gru, rnn"):
        RecurrentModel(5, 2, cell="lstn")
