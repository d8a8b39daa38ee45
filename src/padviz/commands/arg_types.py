"""argparse types the commands share."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def whole_number_arg(low: int, high: int | None = None) -> Callable[[str], int]:
    """A flag's whole number from `low` (to `high`, when given); argparse names the flag in
    the error."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text[:40]!r}") from None
        if high is None and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        if high is not None and not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, got {value}")
        return value

    return parse
