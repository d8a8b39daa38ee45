"""Access to the files shipped in assets/ (inside the wheel as padviz/assets)."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path


def assets() -> Traversable:
    """The assets folder: packaged in an installed wheel, the repo's assets/ in a checkout."""
    packaged = resources.files("padviz") / "assets"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "assets"


def asset(*parts: str) -> Traversable:
    """One file or folder inside assets/, e.g. asset("presets", "article.json")."""
    node = assets()
    for part in parts:
        node = node / part
    return node
