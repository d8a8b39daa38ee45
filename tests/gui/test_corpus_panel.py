"""The Corpus tab: a corpus read on a thread, the core's statistics on screen, a batch sent on."""

from __future__ import annotations

import numpy as np
import pytest

from padviz.core.corpus import read_corpus
from padviz.core.corpus_stats import corpus_stats
from padviz.gui.corpus import CorpusPanel
from padviz.gui.state import AppState

WAIT_MS = 60_000


@pytest.fixture
def panel(qtbot):
    panel = CorpusPanel(AppState())
    qtbot.addWidget(panel)
    panel.resize(1280, 700)
    panel.show()
    return panel


def corpus_file(tmp_path, lines):
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_file_is_read_and_its_statistics_are_the_cores(qtbot, panel, tmp_path):
    rng = np.random.default_rng(0)
    lines = [" ".join(["w"] * int(n)) for n in rng.integers(1, 60, 500)] + [""]
    path = corpus_file(tmp_path, lines)
    panel.batch_spin.setValue(16)
    panel.open_file(path)
    qtbot.waitUntil(lambda: panel.stats is not None, timeout=WAIT_MS)
    expected = corpus_stats(read_corpus(path).lengths, batch_size=16, buckets=8)
    table = panel.stats_table
    shown = {
        table.item(r, c).text(): table.item(r, c + 1).text()
        for r in range(table.rowCount())
        for c in (0, 2)
    }
    assert shown["sequences"] == "500" and shown["max"] == f"{expected.lengths['max']:,}"
    assert shown["p90"] == f"{expected.lengths['p90']:,.1f}"
    waste = panel.waste_table
    for row, w in enumerate(expected.strategies):
        assert waste.item(row, 0).text() == w.name
        assert waste.item(row, 4).text() == f"{w.pad_ratio:.1%}"
    assert panel.recommendation.text().endswith(expected.recommendation)
    assert "1 lines tokenised to nothing" in panel.source_label.text()  # said, not dropped
    heights = panel.bars.opts["height"]
    assert (
        len(heights) == len(expected.counts)
        and (np.asarray(heights) > 0).sum() == (expected.counts > 0).sum()
    )


def test_a_batching_change_recomputes_and_a_batch_goes_to_the_explorer(qtbot, panel, tmp_path):
    path = corpus_file(tmp_path, ["a b c", "d e", "f", "g h i j k", "l m"] * 20)
    panel.open_file(path)
    qtbot.waitUntil(lambda: panel.stats is not None, timeout=WAIT_MS)
    panel.batch_spin.setValue(4)
    qtbot.waitUntil(lambda: panel.stats.batch_size == 4, timeout=WAIT_MS)
    panel.pick_combo.setCurrentIndex(panel.pick_combo.findData("longest"))
    with qtbot.waitSignal(panel.batchSent):
        assert panel.send_to_explorer()
    batch = panel.state.batch
    assert batch.lengths == [5, 5, 5, 5]
    assert batch.vocab is not None and {"g", "k"} <= set(batch.vocab)  # the corpus's own words


def test_a_bad_file_is_said_in_the_panel(qtbot, panel, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a b"}\n{"other": 1}\n', encoding="utf-8")
    panel.open_file(bad)
    qtbot.waitUntil(lambda: panel.error.isVisible(), timeout=WAIT_MS)
    assert "bad.jsonl" in panel.error.text() and "line 2" in panel.error.text()
    assert panel.corpus is None and not panel.send_button.isEnabled()


def test_a_corpus_file_read_here_is_offered_to_the_next_token_task(qtbot, tmp_path):
    from padviz.gui.main_window import MainWindow
    from padviz.gui.torch_loader import torch_loader

    window = MainWindow()
    qtbot.addWidget(window)
    torch_loader().wait()
    form = window.training.form
    form.set_config({**form.base_config(), "task": "next-token", "corpus": None}, ["packed"])
    assert form.base_config()["corpus"] == "builtin:stdlib-docs"  # the default text
    path = corpus_file(tmp_path, ["a b c", "d e"] * 10)
    window.corpus.open_file(path)
    qtbot.waitUntil(lambda: window.corpus.stats is not None, timeout=WAIT_MS)
    assert form.base_config()["corpus"] == str(path)
    form.set_config({**form.base_config(), "task": "majority", "corpus": None}, ["packed"])
    assert form.base_config()["corpus"] is None  # only the next-token task reads a corpus
