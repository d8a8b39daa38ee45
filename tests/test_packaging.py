"""The tests check the code as shipped: the padviz they import is an installation, and an
installed wheel carries its own assets (presets and lessons), found through importlib.resources."""

from __future__ import annotations

import importlib.metadata
from importlib import resources
from pathlib import Path

import padviz
from padviz.resources import assets

REPO = Path(__file__).resolve().parents[1]


def test_padviz_is_not_imported_from_the_repository_root() -> None:
    # A src layout: only an installation (wheel or editable) puts padviz on sys.path.
    assert Path(padviz.__file__).resolve().parent != REPO / "padviz"


def test_an_installed_wheel_ships_its_assets() -> None:
    here = Path(padviz.__file__).resolve()
    packaged = resources.files("padviz") / "assets"
    if REPO / "src" in here.parents:  # an editable install of this checkout
        assert Path(str(assets())) == REPO / "assets"
    else:  # a wheel: its assets must be inside it, never borrowed from a checkout
        assert packaged.is_dir(), "the wheel has no padviz/assets: check force-include"
        assert str(assets()) == str(packaged)
    for folder in ("presets", "lessons"):
        assert any(p.name.endswith(".json") for p in (assets() / folder).iterdir()), folder


def test_one_version_source() -> None:
    assert importlib.metadata.version("padviz") == padviz.__version__
