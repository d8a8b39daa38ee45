"""Layout options and the shared whole-number check: no torch, one vocabulary, clear refusals."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from padviz.core.errors import PadvizError
from padviz.core.options import (
    OPTION_NAMES,
    ORDERS,
    SIDES,
    LayoutError,
    LayoutOptions,
    whole_number,
)


def test_options_import_no_torch() -> None:
    code = "import sys, padviz.core.options; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_round_trip_through_a_dict() -> None:
    options = LayoutOptions(batch_first=True, padding_side="left", order="bucketed", buckets=3)
    assert LayoutOptions.from_dict(options.to_dict()) == options
    assert set(options.to_dict()) == OPTION_NAMES


def test_from_dict_keeps_defaults_for_missing_keys() -> None:
    assert LayoutOptions.from_dict({"order": "sorted"}) == LayoutOptions(order="sorted")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"paddingside": "left"}, "unknown key 'paddingside' in options"),
        ({"order": "random"}, "order 'random' must be one of given, sorted, bucketed"),
        ({"buckets": 0}, "buckets 0 must be a whole number from 1 to 1024"),
        ({"max_length": 2.5}, "max_length 2.5 must be a whole number from 1 to 4096 (or None)"),
        ({"padding_value": float("nan")}, "padding_value nan must be a finite number"),
        ({"batch_first": 1}, "batch_first must be True or False, got 1"),
    ],
)
def test_from_dict_refuses_by_name(data: dict, words: str) -> None:
    with pytest.raises(LayoutError) as info:
        LayoutOptions.from_dict(data)
    assert words in str(info.value)
    assert isinstance(info.value, PadvizError)


def test_from_dict_refuses_what_is_not_an_object() -> None:
    with pytest.raises(LayoutError, match=r"session options must be an object"):
        LayoutOptions.from_dict([1, 2], where="session options")  # type: ignore[arg-type]


def test_vocabularies_match_the_dataclass_defaults() -> None:
    defaults = LayoutOptions()
    assert defaults.order == ORDERS[0] and defaults.padding_side == SIDES[0]


@pytest.mark.parametrize(
    ("value", "kwargs", "words"),
    [
        (True, {}, "flag True must be a whole number"),
        (2.0, {"low": 1}, "flag 2.0 must be a whole number >= 1"),
        (0, {"low": 1, "high": 9}, "flag 0 must be a whole number from 1 to 9"),
        (10, {"high": 9}, "flag 10 must be a whole number <= 9"),
    ],
)
def test_whole_number_names_the_field_the_value_and_the_limit(value, kwargs, words) -> None:
    with pytest.raises(PadvizError) as info:
        whole_number("flag", value, **kwargs)
    assert str(info.value) == words


def test_whole_number_accepts_numpy_ints_and_optional_none() -> None:
    assert whole_number("n", np.int64(3), low=1) == 3
    assert type(whole_number("n", np.int64(3))) is int
    assert whole_number("n", None, none=True) is None
    with pytest.raises(LayoutError):
        whole_number("n", None, error=LayoutError)


def test_every_validator_words_a_fraction_the_same_way() -> None:
    from padviz.core.batch import BatchError, GeneratorSpec
    from padviz.core.bench import BenchConfig, BenchError
    from padviz.core.training import ConfigError, TrainConfig

    refusals = [
        (lambda: LayoutOptions(buckets=2.5), LayoutError, "buckets 2.5"),
        (lambda: BenchConfig(hidden=2.5).validate(), BenchError, "hidden 2.5"),
        (lambda: TrainConfig.from_dict({"hidden": 2.5}), ConfigError, "hidden 2.5"),
        (lambda: GeneratorSpec(count=2.5).validate(), BatchError, "count 2.5"),
    ]
    for refuse, error, head in refusals:
        with pytest.raises(error) as info:
            refuse()
        assert str(info.value).startswith(f"{head} must be a whole number"), str(info.value)
        assert isinstance(info.value, PadvizError)
