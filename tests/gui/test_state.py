"""The window's state computes the document: small batches at once, large ones on a thread
with a visible "computing" state, and only the latest edit is ever shown."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import padviz.core.document
import padviz.gui.state as state_module
from padviz.core.batch import Batch, from_lengths
from padviz.core.layout import compute_layout
from padviz.core.options import LayoutOptions
from padviz.gui.explorer.panel import COMPUTING_NOTICE_MS
from padviz.gui.state import SYNC_CELLS, AppState, padded_cells


def large_batch(seed: int) -> Batch:
    lengths = np.random.default_rng(seed).integers(1, 1025, 256)
    lengths[0] = 1024
    return from_lengths(lengths.tolist(), vocab_size=64, seed=seed)


def test_padded_cells_bounds_the_padded_tensor() -> None:
    batch = from_lengths([5, 3, 7])
    assert padded_cells(batch, LayoutOptions()) == 21
    assert padded_cells(batch, LayoutOptions(max_length=4)) == 12
    assert padded_cells(batch, LayoutOptions(pad_to_multiple_of=8)) == 24
    assert padded_cells(large_batch(0), LayoutOptions()) > SYNC_CELLS


def test_a_small_batch_is_laid_out_at_once(qtbot) -> None:
    state = AppState(from_lengths([5, 3, 7]))
    with qtbot.waitSignal(state.layoutChanged, timeout=0) as blocker:
        state.set_batch(from_lengths([2, 4]))
    document = blocker.args[0]
    assert document is state.document and state.current and not state.computing
    assert document.layout.lengths.tolist() == [2, 4]


def test_a_large_batch_is_computed_off_the_gui_thread(explorer, qtbot, monkeypatch) -> None:
    state = explorer.state
    batch = large_batch(1)
    release = threading.Event()  # the document's thread waits for it: a long computation
    build = state_module._build

    def slow_build(*args):
        release.wait(60)
        return build(*args)

    monkeypatch.setattr(state_module, "_build", slow_build)
    with qtbot.waitSignal(state.computingChanged, timeout=0) as started:
        state.set_batch(batch)
    assert started.args == [True]
    assert explorer.computing_label.text() == ""  # not at once: most documents come sooner
    qtbot.wait(COMPUTING_NOTICE_MS + 100)
    assert explorer.computing_label.text() == "computing…"  # the views say they are behind
    notice = explorer.computing_label.geometry()  # beside the header's buttons, not on them
    for button in (explorer.rows_button, explorer.show_code_button):
        assert button.parent() is explorer.computing_label.parent()
        assert not notice.intersects(button.geometry()), button.text()
    assert not state.current
    with qtbot.waitSignal(state.layoutChanged, timeout=60_000) as blocker:
        release.set()
    expected = compute_layout(batch, state.options)
    assert np.array_equal(blocker.args[0].layout.padded.numpy(), expected.padded.numpy())
    assert state.current and not state.computing
    assert explorer.computing_label.text() == ""
    assert explorer.computing_label.isHidden()  # its background would cover the header
    assert explorer.document is blocker.args[0]
    assert explorer.padded_view.grid is blocker.args[0].padded


def test_a_document_drawn_before_the_notice_is_due_never_says_computing(explorer, qtbot) -> None:
    said: list[str] = []
    label = explorer.computing_label
    original = label.setText
    label.setText = lambda text: (said.append(text), original(text))  # type: ignore[method-assign]
    state = explorer.state
    with qtbot.waitSignal(state.layoutChanged, timeout=60_000):
        state.set_batch(from_lengths([4096] * 17))  # on a thread, drawn in milliseconds
    qtbot.wait(COMPUTING_NOTICE_MS + 50)
    assert said in ([], [""]) and label.text() == ""


def test_the_last_edit_wins(qtbot) -> None:
    state = AppState(from_lengths([5, 3, 7]))
    shown, busy = [], []
    state.layoutChanged.connect(shown.append)
    state.computingChanged.connect(busy.append)
    first, last = large_batch(2), large_batch(3)
    state.set_batch(first)
    state.set_options(LayoutOptions(batch_first=True))  # overtakes the first request
    state.set_batch(last)
    qtbot.waitUntil(lambda: state.current, timeout=60_000)
    assert len(shown) == 1  # the overtaken results were dropped, never drawn
    assert shown[0].batch is last and shown[0].options.batch_first
    qtbot.waitUntil(lambda: not state.computing, timeout=60_000)
    assert busy == [True, False]  # one busy stretch, however many requests it took


def test_a_small_edit_after_a_large_one_is_not_overtaken_by_it(qtbot) -> None:
    state = AppState(from_lengths([5, 3, 7]))
    state.set_batch(large_batch(4))
    small = from_lengths([1, 2])
    state.set_batch(small)
    qtbot.waitUntil(lambda: state.current and not state.computing, timeout=60_000)
    assert state.document.batch is small


def test_a_batch_that_cannot_be_laid_out_keeps_the_last_document(explorer, qtbot) -> None:
    state = explorer.state
    before = state.document
    with qtbot.waitSignal(state.layoutFailed, timeout=0) as failed:
        state.set_batch(Batch(sequences=()))
    assert "the batch is empty" in failed.args[0]
    assert state.document is before and explorer.document is before
    assert "Cannot lay this out" in explorer.pitfall_panel.label.text()
    assert explorer.pitfall_panel.isVisible()


def test_a_bug_in_the_thread_is_raised_on_the_gui_thread(qtbot, monkeypatch) -> None:
    def broken(batch, options, **_):
        raise RuntimeError("a bug, not bad input")

    monkeypatch.setattr(padviz.core.document, "build_document", broken)
    state = AppState(from_lengths([5, 3, 7]))
    with qtbot.captureExceptions() as caught:
        state.set_batch(large_batch(5))
        qtbot.waitUntil(lambda: not state.computing, timeout=60_000)
    assert [str(exc) for _, exc, _ in caught] == ["a bug, not bad input"]
    assert state.document is None


@pytest.mark.parametrize("hidden_first", [True, False])
def test_a_hidden_explorer_draws_the_latest_document_when_shown(explorer, qtbot, hidden_first):
    if hidden_first:
        explorer.hide()
    state = explorer.state
    state.set_batch(from_lengths([2, 2, 2, 2]))
    explorer.show()
    qtbot.waitExposed(explorer)
    assert explorer.document is state.document
    assert explorer.padded_view.grid.shape == (2, 4)


def test_a_large_document_is_drawn_view_after_view(explorer, qtbot) -> None:
    state = explorer.state
    state.set_batch(large_batch(6))
    qtbot.waitUntil(lambda: state.current, timeout=60_000)
    drawn_while_drawing = []
    qtbot.waitUntil(lambda: drawn_while_drawing.append(explorer.drawing) or not explorer.drawing)
    assert True in drawn_while_drawing  # the views were filled over several event-loop turns
    document = state.document
    shown = {name: view for name, view in explorer.views.items() if view.isVisible()}
    assert set(shown) == {"padded", "mask", "packed", "jagged"}  # the row views: not drawn
    assert all(view.grid is document.grids[name] for name, view in shown.items())
    assert explorer.batch_info.text() == document.summary_html
