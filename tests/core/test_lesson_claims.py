"""What the shipped lessons' captions claim about training holds for the lessons' own runs.

Each claim is checked at the step the lesson stops at (its config's `steps`), on the CPU with
the lesson's seed, as `padviz slides` and the window train them. "far" means at least 2x.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest

from padviz.core.batch import load_preset
from padviz.core.captions import NO_RESULT, latest_results
from padviz.core.curves import CURVE_FIELDS, Curves
from padviz.core.hidden_truth import hidden_truth
from padviz.core.lessons import TrainingSpec, lesson_names, load_lesson
from padviz.core.training import TrainConfig, Trainer, build_model

FAR = 2.0
Runs = dict[str, Curves]


@cache
def _train(settings: tuple[tuple[str, object], ...]) -> Curves:
    curves = Curves()
    for record in Trainer(TrainConfig.from_dict(dict(settings))):
        curves.append([getattr(record, name) for name in CURVE_FIELDS])
    return curves


def _runs(spec: TrainingSpec) -> Runs:
    """The step's runs on the CPU, each trained once for every step that shows it."""
    runs = {}
    for config in spec.run_configs():
        settings = {**config.to_dict(), "device": "cpu"}
        runs[config.mode] = _train(tuple(sorted(settings.items())))
    return runs


def _last(runs: Runs, mode: str, metric: str) -> float:
    return runs[mode].last(metric)


def _first(runs: Runs, mode: str, metric: str) -> float:
    return float(runs[mode].column(metric)[0])


def _masked_loss_drops_fast(r: Runs) -> bool:
    """step 3: the run trained on every cell drops fast: it is learning the pads."""
    ul = _last(r, "padded-unmasked", "unmasked_loss")
    return ul * FAR <= _first(r, "padded-unmasked", "unmasked_loss") and ul < _last(
        r, "padded-unmasked", "masked_loss"
    )


def _masked_loss_far_higher(r: Runs) -> bool:
    """step 4: on real tokens, far higher than the masked run; accuracy says the same."""
    return _last(r, "padded-unmasked", "masked_loss") >= FAR * _last(
        r, "padded-masked", "masked_loss"
    ) and _last(r, "padded-unmasked", "accuracy") + 0.2 < _last(r, "padded-masked", "accuracy")


def _masked_run_unmasked_stays_high(r: Runs) -> bool:
    """step 5: the masked run's unmasked loss stays high however well it learns."""
    return _last(r, "padded-masked", "unmasked_loss") >= FAR * _last(
        r, "padded-masked", "masked_loss"
    )


def _padded_masked_agrees_with_packed(r: Runs) -> bool:
    """step 6: the masked losses agree (to the displayed 3 decimals, within rounding)."""
    a, b = _last(r, "padded-masked", "masked_loss"), _last(r, "packed", "masked_loss")
    return abs(a - b) <= 0.002 + 0.01 * max(a, b)


def _packed_learns_last_token_padded_does_not(r: Runs) -> bool:
    """h-n-trap step 5: packed has learned the task; padded is far behind."""
    return (
        _last(r, "packed", "accuracy") >= 0.95
        and _last(r, "padded-masked", "accuracy") <= 0.75
        and _last(r, "padded-masked", "masked_loss") >= FAR * _last(r, "packed", "masked_loss")
    )


def _rows_train_as_padded_unmasked_rows_do_not(r: Runs) -> bool:
    """transformer-packing step 10: rows learn exactly as padded (the losses shown to 3
    decimals agree), with less padding; without the document mask the loss ends higher."""
    padded, rows = _last(r, "padded", "masked_loss"), _last(r, "packed-rows", "masked_loss")
    return (
        abs(padded - rows) < 0.0015
        and _last(r, "packed-rows", "pad_share") < _last(r, "padded", "pad_share")
        and _last(r, "packed-rows-unmasked", "masked_loss") > rows + 0.05
    )


CLAIMS: dict[tuple[str, int], Callable[[Runs], bool]] = {
    ("masked-loss", 3): _masked_loss_drops_fast,
    ("masked-loss", 4): _masked_loss_far_higher,
    ("masked-loss", 5): _masked_run_unmasked_stays_high,
    ("masked-loss", 6): _padded_masked_agrees_with_packed,
    ("h-n-trap", 5): _packed_learns_last_token_padded_does_not,
    ("transformer-packing", 10): _rows_train_as_padded_unmasked_rows_do_not,
}


def _result_steps() -> list[tuple[str, int]]:
    return [
        (name, k)
        for name in lesson_names()
        for k, step in enumerate(load_lesson(name).steps, start=1)
        if step.states_results
    ]


def test_every_caption_that_quotes_training_has_its_claim_checked() -> None:
    assert sorted(_result_steps()) == sorted(CLAIMS)


@pytest.mark.parametrize(("name", "number"), sorted(CLAIMS))
def test_claim_holds_where_the_lesson_stops(name: str, number: int) -> None:
    step = load_lesson(name).steps[number - 1]
    assert step.training is not None
    runs = _runs(step.training)
    assert {int(curves.last("step")) for curves in runs.values()} == {step.training.config.steps}
    assert CLAIMS[name, number](runs), (CLAIMS[name, number].__doc__, latest_results(runs))
    caption = step.caption_for(latest_results(runs))
    assert NO_RESULT not in caption and not re.search(r"[{}]", caption)
    assert NO_RESULT in step.caption  # before training, the numbers are not made up
    for mode, curves in runs.items():
        if f"{{{mode}.masked_loss}}" in step.template:
            assert f"{curves.last('masked_loss'):.3f}" in caption


def test_truth_view_claim_packed_equals_alone_padded_differs_for_shorter() -> None:
    """h-n-trap step 6: "Packed equals alone; padded differs for every sequence shorter than
    the batch", for the article's batch with the step's (bidirectional) initial weights."""
    step = load_lesson("h-n-trap").steps[5]
    assert step.highlight.views == ("hiddenStateView",) and step.training is not None
    config = step.training.run_configs()[0]
    assert config.bidirectional
    batch = load_preset("article")
    truth = hidden_truth(build_model(config), batch.sequences)
    lengths = np.array([len(s) for s in batch.sequences])
    assert (truth["packed_diff"] < 1e-5).all()
    np.testing.assert_array_equal(truth["padded_diff"] > 1e-5, lengths < lengths.max())
