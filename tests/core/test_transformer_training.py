"""The transformer's three runs: the same weights and sequences, the same masked loss padded
and row-packed, real tokens counted, settings validated, the memory estimate, the script."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

import pytest
import torch

from padviz.core.curves import CURVE_FIELDS, Curves
from padviz.core.memory import MemoryLimitError, check_training, training_bytes
from padviz.core.models import MODES, TRANSFORMER_MODES
from padviz.core.script_export import write_script
from padviz.core.training import ConfigError, TrainConfig, Trainer, batch_stream

torch.set_num_threads(1)
SMALL = {
    "model": "transformer",
    "device": "cpu",
    "embed": 16,
    "hidden": 24,
    "layers": 2,
    "batch_size": 12,
    "max_len": 10,
    "steps": 3,
    "num_threads": 1,
}


def _trainers(**extra) -> dict[str, Trainer]:
    return {
        mode: Trainer(TrainConfig(mode=mode, **{**SMALL, **extra})) for mode in TRANSFORMER_MODES
    }


def _sequences(tokens: torch.Tensor, targets: torch.Tensor, mask: torch.Tensor) -> Counter:
    """The (token, target) pairs of each row's runs of real slots, as a multiset."""
    found: Counter = Counter()
    for r in range(tokens.shape[0]):
        pairs = tuple(zip(tokens[r][mask[r]].tolist(), targets[r][mask[r]].tolist(), strict=True))
        found[pairs] += 1
    return found


def test_three_runs_start_from_the_same_weights_and_see_the_same_sequences() -> None:
    trainers = _trainers(algorithm="ffd")
    states = [t.model.state_dict() for t in trainers.values()]
    for state in states[1:]:
        assert state.keys() == states[0].keys()
        assert all(torch.equal(state[k], states[0][k]) for k in state)
    batch = next(batch_stream(trainers["padded"].config))
    padded = trainers["padded"].transformer_inputs(batch)
    want = _sequences(padded.tokens, padded.targets, padded.loss_mask)
    for mode in ("packed-rows", "packed-rows-unmasked"):
        inputs = trainers[mode].transformer_inputs(batch)
        assert inputs.tokens.shape[0] < padded.tokens.shape[0]  # fewer rows than sequences
        rows = inputs.packing.rows
        got: Counter = Counter()
        for r, row in enumerate(rows):
            at = 0
            for piece in row:
                span = slice(at, at + piece.length)
                got[
                    tuple(
                        zip(
                            inputs.tokens[r, span].tolist(),
                            inputs.targets[r, span].tolist(),
                            strict=True,
                        )
                    )
                ] += 1
                at += piece.length
        assert got == want


@pytest.mark.parametrize("positions", ["learned", "sinusoidal"])
def test_packed_rows_train_like_padded_and_unmasked_does_not(positions) -> None:
    trainers = _trainers(positions=positions, steps=3, lr=0.01)
    runs = {mode: list(trainer) for mode, trainer in trainers.items()}
    padded, packed, unmasked = (runs[m] for m in TRANSFORMER_MODES)
    assert packed[0].masked_loss == pytest.approx(padded[0].masked_loss, rel=1e-5)
    assert packed[0].accuracy == pytest.approx(padded[0].accuracy, abs=1e-6)
    # cross-contaminated: off from the first step on (by far more than float rounding)
    for step in range(3):
        off = abs(unmasked[step].masked_loss - padded[step].masked_loss)
        assert off > 1e-4 and off > 100 * abs(packed[step].masked_loss - padded[step].masked_loss)
    # the same weights after each step: still the same losses (float drift only)
    assert packed[-1].masked_loss == pytest.approx(padded[-1].masked_loss, rel=1e-4)
    for records in runs.values():
        for record, batch_tokens in zip(
            records, _real_tokens(trainers["padded"].config), strict=False
        ):
            assert record.tokens == batch_tokens
            # tokens/s counts these real tokens, over the step's own time
            assert record.tokens_per_s * record.step_ms / 1000 == pytest.approx(record.tokens)
    assert all(r.pad_share > 0 for r in padded)
    for p, q in zip(padded, packed, strict=True):
        assert q.pad_share < p.pad_share  # packing saves padding


def _real_tokens(config: TrainConfig) -> list[int]:
    stream = batch_stream(config)
    return [int(next(stream).lengths.sum()) for _ in range(config.steps)]


def test_pad_share_is_the_padding_of_the_slots_computed() -> None:
    trainers = _trainers()
    batch = next(batch_stream(trainers["padded"].config))
    for mode, trainer in trainers.items():
        record = trainer.step()
        slots = trainer.transformer_inputs(batch).slots
        assert record.pad_share == pytest.approx(1 - batch.real_tokens / slots), mode
    lstm = Trainer(TrainConfig(mode="packed", device="cpu", steps=1, max_len=9)).step()
    assert lstm.pad_share == 0.0  # a PackedSequence holds real tokens only


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"mode": "packed"}, "mode 'packed' is a mode of model 'lstm', not of model 'transformer'"),
        ({"mode": "padded", "model": "lstm"}, "'padded' is a mode of model 'transformer'"),
        ({"mode": "padded", "model": "rnn"}, "unknown model 'rnn'"),
        ({"mode": "padded", "task": "majority"}, "task 'majority' has one target per sequence"),
        ({"mode": "padded", "heads": 3}, "heads 3 must divide the embedding size 16"),
        ({"mode": "padded", "heads": 0}, "heads"),
        ({"mode": "padded", "row_length": 9}, "row_length 9 must be at least max_len 10"),
        ({"mode": "padded", "algorithm": "best"}, "unknown algorithm 'best'"),
        ({"mode": "padded", "positions": "rope"}, "unknown positions 'rope'"),
        ({"mode": "padded", "bidirectional": True}, "bidirectional applies to model 'lstm'"),
    ],
)
def test_bad_transformer_settings_are_refused_by_name(settings, message) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        TrainConfig(**{**SMALL, **settings}).validate()


def test_old_configs_without_the_new_keys_still_load_and_unknown_keys_fail() -> None:
    old = TrainConfig(mode="packed").to_dict()
    for key in ("model", "heads", "positions", "row_length", "algorithm"):
        del old[key]
    assert TrainConfig.from_dict(old).model == "lstm"
    with pytest.raises(ConfigError, match="unknown training setting"):
        TrainConfig.from_dict({**old, "attention": "flash"})
    assert set(MODES).isdisjoint(TRANSFORMER_MODES)


def test_old_curves_without_pad_share_load_as_unknown() -> None:
    curves = Curves()
    curves.append([1.0] * len(CURVE_FIELDS))
    data = curves.to_dict()
    del data["pad_share"]
    back = Curves.from_dict(data)
    assert back.last("step") == 1.0 and back.last("pad_share") != back.last("pad_share")


def test_memory_estimate_grows_with_the_square_of_the_row_length(monkeypatch) -> None:
    base = {**SMALL, "mode": "packed-rows", "max_len": 64}
    small = training_bytes(TrainConfig(**base))
    long = training_bytes(TrainConfig(**{**base, "max_len": 512}))
    assert long > 8 * 8 * 0.5 * small  # 8x the length: far more than 8x the bytes
    huge = TrainConfig(**{**base, "max_len": 4096, "batch_size": 1024, "heads": 16, "layers": 8})
    with pytest.raises(MemoryLimitError, match="row_length 4096"):
        check_training([huge], torch.device("cpu"))


LINE = re.compile(r"step\s+(\d+)\s+loss (\S+)\s+masked (\S+)\s+unmasked (\S+)\s+accuracy (\S+)")


@pytest.mark.parametrize(
    ("mode", "positions", "algorithm"),
    [
        ("padded", "learned", "greedy"),
        ("packed-rows", "sinusoidal", "ffd"),
        ("packed-rows-unmasked", "learned", "greedy"),
    ],
)
def test_exported_transformer_script_reproduces_the_trainer(
    tmp_path, mode, positions, algorithm
) -> None:
    config = TrainConfig(
        mode=mode, positions=positions, algorithm=algorithm, row_length=14, **{**SMALL, "steps": 4}
    )
    path = write_script(config, tmp_path / "run.py")
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True
    )
    printed = [tuple(float(v) for v in m.groups()) for m in LINE.finditer(out.stdout)]
    assert [int(p[0]) for p in printed] == [1, 2, 3, 4]
    for values, record in zip(printed, Trainer(config), strict=True):
        assert values[2] == pytest.approx(record.masked_loss, abs=2e-6)
        assert values[3] == pytest.approx(record.unmasked_loss, abs=2e-6)
        assert values[4] == pytest.approx(record.accuracy, abs=2e-4)
