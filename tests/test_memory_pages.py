"""The app's process imports numpy asking for small memory pages (padviz.memory_pages); the
headless commands leave numpy's default alone, and so does a user who chose."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from padviz.memory_pages import HUGEPAGE_ENV

# Runs `padviz ARGS` with the app itself left out (its command returns at once), then reports
# what NUMPY_MADVISE_HUGEPAGE was when numpy was first imported, and whether numpy asks for
# huge pages.
CHILD = """
import importlib.abc, json, os, sys
seen = {}

class Watch(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" and "numpy" not in seen:
            seen["numpy"] = os.environ.get(%(env)r)
        return None

sys.meta_path.insert(0, Watch())
import padviz.commands.gui as gui_command
from padviz.cli import main

gui_command.run = lambda args: 0
code = main(json.loads(sys.argv[1]))
from numpy._core.multiarray import _get_madvise_hugepage
print(json.dumps({"code": code, "env": seen["numpy"], "huge": _get_madvise_hugepage()}))
"""


def run_padviz(argv: list[str], env: dict[str, str]) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD % {"env": HUGEPAGE_ENV}, json.dumps(argv)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.fixture
def env() -> dict[str, str]:
    clean = dict(os.environ)
    clean.pop(HUGEPAGE_ENV, None)
    return clean


@pytest.mark.parametrize("argv", [[], ["--present"], ["gui"], ["--lesson", "packing", "gui"]])
def test_the_app_imports_numpy_asking_for_small_pages(argv, env):
    assert run_padviz(argv, env) == {"code": 0, "env": "0", "huge": False}


def test_a_users_own_choice_is_kept(env):
    env[HUGEPAGE_ENV] = "1"
    assert run_padviz([], env) == {"code": 0, "env": "1", "huge": True}


@pytest.mark.parametrize(
    "argv", [["layout", "--lengths", "3,2"], ["pack", "--lengths", "3,2", "--row-length", "8"]]
)
def test_a_headless_command_keeps_numpys_default(argv, env):
    assert run_padviz(argv, env) == {"code": 0, "env": None, "huge": True}
