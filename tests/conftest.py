"""Shared test set-up: Qt runs offscreen everywhere; padviz's cache is the session's own."""

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True, scope="session")
def private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The built-in corpus's cache (padviz.core.corpus_cache) in a folder of this test session,
    shared by its tests and child processes, never the user's."""
    before = os.environ.get("PADVIZ_CACHE_DIR")
    os.environ["PADVIZ_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        del os.environ["PADVIZ_CACHE_DIR"]
    else:
        os.environ["PADVIZ_CACHE_DIR"] = before
