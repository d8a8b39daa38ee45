"""Layout options and their vocabularies, with no torch: the CLI's choices, sessions, lessons
and the window's remembered settings all read them from here.

Also home of `whole_number`, the one check behind every "must be a whole number" message of
the core's validators (batch, layout, training, bench).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

import numpy as np

from padviz.core.errors import PadvizError
from padviz.core.limits import MAX_LENGTH, MAX_PADDING_MAGNITUDE, MAX_SEQUENCES

Order = Literal["given", "sorted", "bucketed"]
Side = Literal["right", "left"]
ORDERS: tuple[Order, ...] = ("given", "sorted", "bucketed")
SIDES: tuple[Side, ...] = ("right", "left")
# The recurrent cells padviz trains (torch.nn.LSTM, GRU, RNN with tanh); here so that the CLI can
# name them without importing torch.
CELL_NAMES = ("lstm", "gru", "rnn")
# The model families `padviz train --model` offers: the recurrent cells above ("lstm", with
# --cell), or a tiny causal transformer language model (padviz.core.transformer).
MODEL_NAMES = ("lstm", "transformer")
# Row packing for transformers (padviz.core.row_packing): how sequences are put into rows, what
# happens to one longer than a row, and which attention mask the explorer draws for a row.
ROW_ALGORITHMS = ("greedy", "ffd")
ROW_OVERFLOWS = ("error", "truncate", "split")
ROW_MASKS = ("documents", "causal", "padded")


class LayoutError(PadvizError):
    """Bad layout options; the message names the option and the value."""


def is_whole(value: object) -> bool:
    """An int (Python or numpy) that is not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def whole_number(
    name: str,
    value: object,
    *,
    low: int | None = None,
    high: int | None = None,
    error: type[PadvizError] = PadvizError,
    none: bool = False,
) -> int | None:
    """`value` as an int when it is a whole number in [low, high]; else `error` naming `name`,
    the value and the limit. `none=True` lets None through (an option that is off)."""
    if value is None and none:
        return None
    bounds = ""
    if low is not None and high is not None:
        bounds = f" from {low} to {high}"
    elif low is not None:
        bounds = f" >= {low}"
    elif high is not None:
        bounds = f" <= {high}"
    off = " (or None)" if none else ""
    number = int(value) if is_whole(value) else None  # type: ignore[call-overload]
    if number is None or (low is not None and number < low) or (high is not None and number > high):
        raise error(f"{name} {value!r} must be a whole number{bounds}{off}")
    return number


@dataclass(frozen=True)
class LayoutOptions:
    """The knobs of pad_sequence / pack_padded_sequence plus ordering and truncation.

    order: "given" keeps the batch order; "sorted" sorts by length, descending (stable);
    "bucketed" sorts, then splits the sorted batch into `buckets` groups of (nearly) equal size,
    each padded only to its own longest length, as a length-bucketing sampler would.

    Row packing (the transformer views): rows of `row_length` slots (None: the longest sequence
    rounded up to a power of two) filled by `row_algorithm`, a longer sequence handled by
    `row_overflow`; the attention mask drawn is row `mask_row`'s: "documents" (causal and
    block-diagonal), "causal" (without document boundaries), or "padded" (the padded batch's
    key padding mask with the causal mask, for sequence `mask_row` of the padded tensor).
    """

    batch_first: bool = False
    padding_value: float = 0.0
    padding_side: Side = "right"
    pad_to_multiple_of: int | None = None
    max_length: int | None = None
    order: Order = "given"
    buckets: int = 2
    enforce_sorted: bool = False
    row_length: int | None = None
    row_algorithm: str = "greedy"
    row_overflow: str = "error"
    row_mask: str = "documents"
    mask_row: int = 0

    def __post_init__(self) -> None:
        for name in ("batch_first", "enforce_sorted"):
            if not isinstance(getattr(self, name), bool):
                raise LayoutError(f"{name} must be True or False, got {getattr(self, name)!r}")
        value = self.padding_value
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            raise LayoutError(f"padding_value {value!r} must be a finite number")
        if abs(value) > MAX_PADDING_MAGNITUDE:
            raise LayoutError(
                f"padding_value {value:g} must lie between -{MAX_PADDING_MAGNITUDE} and "
                f"{MAX_PADDING_MAGNITUDE}"
            )
        if self.padding_side not in SIDES:
            raise LayoutError(f"padding_side {self.padding_side!r} must be 'right' or 'left'")
        if self.order not in ORDERS:
            raise LayoutError(f"order {self.order!r} must be one of {', '.join(ORDERS)}")
        for name in ("pad_to_multiple_of", "max_length"):
            whole_number(
                name, getattr(self, name), low=1, high=MAX_LENGTH, error=LayoutError, none=True
            )
        whole_number("buckets", self.buckets, low=1, high=MAX_SEQUENCES, error=LayoutError)
        whole_number(
            "row_length", self.row_length, low=1, high=MAX_LENGTH, error=LayoutError, none=True
        )
        whole_number("mask_row", self.mask_row, low=0, error=LayoutError)
        for name, choices in (
            ("row_algorithm", ROW_ALGORITHMS),
            ("row_overflow", ROW_OVERFLOWS),
            ("row_mask", ROW_MASKS),
        ):
            value = getattr(self, name)
            if not isinstance(value, str) or value not in choices:
                raise LayoutError(f"{name} {value!r} must be one of {', '.join(choices)}")

    @property
    def integral_padding(self) -> bool:
        """Whether the padding value is a whole number, so the padded tensor can stay int64."""
        return float(self.padding_value).is_integer()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, where: str = "options") -> LayoutOptions:
        """Options from a JSON-like mapping (a session, a lesson, remembered settings); missing
        keys keep their defaults, an unknown key is refused by name."""
        if not isinstance(data, Mapping):
            raise LayoutError(f"{where} must be an object of layout options, got {data!r}")
        unknown = sorted(set(data) - OPTION_NAMES)
        if unknown:
            raise LayoutError(
                f"unknown key {unknown[0]!r} in {where} (layout options: "
                f"{', '.join(sorted(OPTION_NAMES))})"
            )
        try:
            return cls(**data)
        except TypeError as exc:  # a non-string key
            raise LayoutError(f"{where}: {exc}") from None


OPTION_NAMES: frozenset[str] = frozenset(f.name for f in fields(LayoutOptions))
