"""Text from users and files: refused when too long to hold, shortened when too long to draw."""

from __future__ import annotations

import re

from padviz.core.errors import PadvizError


def check_text_length(name: str, text: str, limit: int, error: type[PadvizError]) -> None:
    """Refuse a text longer than `limit` characters, naming it and showing its start."""
    if len(text) > limit:
        raise error(f"{name} is {len(text):,} characters ({text[:20]!r}...); at most {limit:,}")


LONGEST_WORD = 60  # characters of one word in a header; a label cannot wrap inside a word


def elide_words(text: str, longest: int = LONGEST_WORD) -> str:
    """`text` with every word longer than `longest` cut short with an ellipsis, so that a
    label that wraps at spaces never needs more than the window's width."""
    return re.sub(rf"\S{{{longest + 1},}}", lambda m: m.group()[: longest - 1] + "…", text)
