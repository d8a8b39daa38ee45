"""The trainer: learning, reproducibility, shared data and weights across modes, faults."""

import dataclasses
import json
import math

import pytest
import torch

from padviz.core import losses
from padviz.core.models import MODES
from padviz.core.tasks import task_names
from padviz.core.training import (
    RECORD_FIELDS,
    TIMING_FIELDS,
    ConfigError,
    DeviceOutOfMemoryError,
    NonFiniteLossError,
    StepRecord,
    TrainConfig,
    Trainer,
    batch_stream,
    build_model,
)

SMALL = {"device": "cpu", "embed": 8, "hidden": 16, "batch_size": 8, "max_len": 9, "steps": 4}


def untimed(record: StepRecord) -> dict:
    return {k: v for k, v in record.to_dict().items() if k not in TIMING_FIELDS}


def mean(values) -> float:
    values = list(values)
    return sum(values) / len(values)


# -- learning --------------------------------------------------------------------------------

LEARN = {"device": "cpu", "embed": 16, "hidden": 32, "lr": 0.01, "steps": 250}


@pytest.fixture(scope="module")
def learned() -> dict[tuple[str, str], list[StepRecord]]:
    """One short run per task (the correct way) plus the unmasked run of the per-token task.

    One torch thread: these tiny steps gain nothing from a second one, and on a busy 2-core
    machine two OpenMP threads made this fixture 10x slower. The process setting is restored.
    """
    runs = [(t, "padded-masked" if t == task_names()[0] else "packed") for t in task_names()]
    runs.append((task_names()[0], "padded-unmasked"))
    threads = torch.get_num_threads()
    try:
        return {
            (t, m): list(Trainer(TrainConfig(task=t, mode=m, num_threads=1, **LEARN)))
            for t, m in runs
        }
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize("task", task_names())
def test_a_few_hundred_steps_drive_the_masked_loss_well_below_its_start(learned, task):
    records = next(r for (t, _), r in learned.items() if t == task)
    start, end = (
        mean(r.masked_loss for r in records[:10]),
        mean(r.masked_loss for r in records[-20:]),
    )
    assert end < 0.2 * start, (task, start, end)
    assert mean(r.accuracy for r in records[-20:]) > 0.9


def test_training_on_the_masked_loss_leaves_the_unmasked_number_high(learned):
    records = learned[(task_names()[0], "padded-masked")][-20:]
    assert mean(r.unmasked_loss for r in records) > 10 * mean(r.masked_loss for r in records)


def test_training_on_the_unmasked_loss_makes_the_curve_look_better_than_the_model(learned):
    records = learned[(task_names()[0], "padded-unmasked")]
    assert mean(r.unmasked_loss for r in records) < 0.8 * mean(r.masked_loss for r in records)


# -- records ---------------------------------------------------------------------------------


def test_steps_count_from_one_and_the_iterator_stops_at_config_steps():
    trainer = Trainer(TrainConfig(**SMALL))
    first = trainer.step()
    assert first.step == 1
    assert [r.step for r in trainer] == [2, 3, 4]
    assert list(trainer.run()) == []
    assert trainer.step().step == 5  # a manual step past the end is still a step


def test_a_record_holds_the_cores_numbers_for_its_batch():
    config = TrainConfig(**SMALL, mode="padded-unmasked")
    model, batch = build_model(config), next(batch_stream(config))
    with torch.no_grad():
        logits = model(batch.tokens, batch.lengths, config.mode)
        expected = losses.loss_variants(logits, batch.targets, batch.mask)
    record = Trainer(config).step()
    assert tuple(record.to_dict()) == RECORD_FIELDS
    for name in ("masked", "unmasked", "article", "ignore_index"):
        assert getattr(record, f"{name}_loss") == pytest.approx(float(expected[name]), abs=1e-6)
    assert record.accuracy == pytest.approx(float(expected["accuracy"]))
    assert record.tokens == int(batch.lengths.sum())
    assert record.mode == "padded-unmasked" and record.device == "cpu" and record.lr == config.lr
    assert record.step_ms > 0 and record.tokens_per_s > 0
    json.dumps(record.to_dict())


# -- reproducibility and shared streams ------------------------------------------------------


def test_same_seed_and_config_give_identical_records():
    config = TrainConfig(**SMALL, bidirectional=True, task="majority")
    a, b = list(Trainer(config)), list(Trainer(config))
    assert [untimed(r) for r in a] == [untimed(r) for r in b]
    c = list(Trainer(dataclasses.replace(config, seed=1)))
    assert [untimed(r) for r in a] != [untimed(r) for r in c]


@pytest.mark.parametrize("task", task_names())
def test_every_mode_starts_from_the_same_weights_and_sees_the_same_batches(task):
    trainers = [
        Trainer(TrainConfig(**SMALL, task=task, mode=mode, lr=lr, optimizer=opt))
        for mode, lr, opt in zip(MODES, (0.01, 0.003, 0.1), ("adam", "sgd", "adam"), strict=False)
    ]
    reference = trainers[0].model.state_dict()
    for trainer in trainers[1:]:
        for name, tensor in trainer.model.state_dict().items():
            assert torch.equal(tensor, reference[name]), name
    for _ in range(3):
        for trainer in trainers:
            trainer.step()
        first = trainers[0].last_batch
        for trainer in trainers[1:]:
            assert torch.equal(trainer.last_batch.tokens, first.tokens)
            assert torch.equal(trainer.last_batch.targets, first.targets)


def test_building_a_trainer_leaves_the_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    Trainer(TrainConfig(**SMALL))
    assert torch.equal(torch.rand(3), expected)


def test_set_lr_applies_from_the_next_step():
    trainer = Trainer(TrainConfig(**SMALL, lr=0.01))
    assert trainer.step().lr == 0.01
    trainer.set_lr(0.5)
    assert trainer.step().lr == 0.5 and trainer.lr == 0.5
    for bad in (0, -1.0, math.nan, math.inf, "fast", True):
        with pytest.raises(ConfigError, match="lr must be a positive finite number"):
            trainer.set_lr(bad)


# -- faults ----------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_non_finite_loss_stops_with_the_step_and_mode_named(mode):
    trainer = Trainer(TrainConfig(**SMALL, mode=mode, nan_at_step=3))
    records = []
    with pytest.raises(NonFiniteLossError, match=f"at step 3 \\({mode}\\).*nan") as info:
        for record in trainer:
            records.append(record)
            weights = [p.detach().clone() for p in trainer.model.parameters()]
    assert [r.step for r in records] == [1, 2]
    assert info.value.step == 3 and isinstance(info.value, ValueError)
    # the poisoned step did not touch the weights
    assert all(torch.equal(w, p) for w, p in zip(weights, trainer.model.parameters(), strict=False))


def test_running_out_of_device_memory_becomes_a_clear_error(monkeypatch):
    trainer = Trainer(TrainConfig(**SMALL, mode="packed"))

    def out_of_memory(*args, **kwargs):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(trainer.model, "forward", out_of_memory)
    with pytest.raises(DeviceOutOfMemoryError, match="step 1 \\(packed\\): cpu ran out of memory"):
        trainer.step()


# -- config ----------------------------------------------------------------------------------


def test_config_round_trips_through_json():
    config = TrainConfig(task="last-token", mode="packed", bidirectional=True, num_threads=1)
    assert TrainConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert TrainConfig.from_dict({}) == TrainConfig()
    assert TrainConfig().task == task_names()[0]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"task": "sorting"}, "unknown task 'sorting'"),
        ({"mode": "bucketed"}, "unknown mode 'bucketed'"),
        ({"steps": 0}, "steps 0 must be a whole number >= 1"),
        ({"steps": 2.5}, "steps 2.5 must be a whole number >= 1"),
        ({"batch_size": 2000}, "batch_size 2000 must be a whole number from 1 to 1024"),
        ({"hidden": True}, "hidden True must be a whole number from 1 to 4096"),
        ({"min_len": 5, "max_len": 4}, "max_len 4 must be a whole number from 5 to 4096"),
        ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'; choose one of adam, sgd"),
        ({"length_distribution": "zipf"}, "unknown length_distribution 'zipf'"),
        ({"lr": -1}, "lr must be a positive finite number, got -1"),
        ({"seed": -1}, "seed -1 must be a whole number from 0 to"),
        ({"nan_at_step": 0}, "nan_at_step 0 must be a whole number >= 1"),
        ({"bidirectional": "yes"}, "bidirectional must be true or false"),
    ],
)
def test_bad_settings_are_named(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**changes).validate()
    with pytest.raises(ValueError, match=message):
        Trainer(TrainConfig(**changes))


def test_unknown_config_keys_are_named():
    with pytest.raises(ConfigError, match="unknown training setting\\(s\\): colour, speed"):
        TrainConfig.from_dict({"speed": 1, "colour": "red", "steps": 3})


def test_num_threads_sets_torchs_thread_count():
    threads = torch.get_num_threads()
    try:
        Trainer(TrainConfig(**SMALL, num_threads=1))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
