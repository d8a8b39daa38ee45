"""Access to the files shipped in assets/ (inside the wheel as padviz/assets)."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # Python 3.10 has it in importlib.abc only
    from importlib.abc import Traversable


def assets() -> Traversable:
    """The assets folder: packaged in an installed wheel, the repo's assets/ in an editable
    install of a checkout (src/padviz/ -> assets/ two levels up). An installed wheel without
    its assets finds neither, so a broken force-include fails the tests."""
    packaged = resources.files("padviz") / "assets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "assets"


def asset(*parts: str) -> Traversable:
    """One file or folder inside assets/, e.g. asset("presets", "article.json")."""
    node = assets()
    for part in parts:
        node = node / part
    return node
