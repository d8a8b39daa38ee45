"""The explorer's document: one call gives exactly what the separate core functions give."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from padviz.core.batch import Batch, from_lengths, from_text
from padviz.core.codegen import layout_code
from padviz.core.document import build_document
from padviz.core.errors import PadvizError
from padviz.core.layout import compare_waste, compute_layout, describe_cell
from padviz.core.options import LayoutOptions
from padviz.core.row_code import row_packing_code
from padviz.core.row_views import RowMaskGrid, RowsGrid, pack_layout, rows_waste
from padviz.core.views import JaggedGrid, PackedGrid, PaddedGrid, time_caption, time_cells

OPTIONS = [
    LayoutOptions(),
    LayoutOptions(batch_first=True, padding_side="left", padding_value=-1),
    LayoutOptions(order="bucketed", buckets=2, pad_to_multiple_of=4),
    LayoutOptions(order="sorted", max_length=4, enforce_sorted=True),
    LayoutOptions(enforce_sorted=True),  # unsorted lengths: torch refuses to pack
]


@pytest.mark.parametrize("options", OPTIONS)
def test_document_matches_the_separate_core_functions(options: LayoutOptions) -> None:
    batch = from_lengths([5, 3, 7, 1], vocab_size=9, seed=3)
    doc = build_document(batch, options)
    layout = compute_layout(batch, options)
    assert np.array_equal(doc.layout.padded.numpy(), layout.padded.numpy())
    packing, row_length, _ = pack_layout(layout)
    waste = compare_waste(batch, options)
    waste["rows"] = rows_waste(packing, waste[options.order])
    assert doc.waste == waste
    rows = RowsGrid(layout, packing=packing, row_length=row_length)
    expected = {
        "padded": PaddedGrid(layout),
        "mask": PaddedGrid(layout, kind="mask"),
        "packed": PackedGrid(layout),
        "jagged": JaggedGrid(layout),
        "rows": rows,
        "row_mask": RowMaskGrid(layout, rows=rows),
    }
    for name, grid in doc.grids.items():
        assert np.array_equal(grid.codes, expected[name].codes), name
        assert grid.title == expected[name].title
    assert doc.code == layout_code(batch, options) + row_packing_code(layout, row_length)
    assert doc.time_steps == len(layout.batch_sizes)
    for t in range(doc.time_steps):
        assert np.array_equal(doc.time_cells(t), time_cells(layout, t))
        assert doc.time_caption(t) == time_caption(layout, t)
    assert doc.describe_cell(0, 2) == describe_cell(layout, 0, 2)


def test_summary_names_the_batch_or_its_lengths() -> None:
    doc = build_document(from_lengths([5, 3, 7]), LayoutOptions())
    assert doc.summary_html == "3 sequences, lengths 3..7"
    named = dataclasses.replace(from_text("the <cat>\nsat", level="word"), name="a & b")
    assert build_document(named, LayoutOptions()).summary_html.startswith("<b>a &amp; b</b>: ")


def test_padding_text_is_the_word_when_the_pad_id_is_in_the_vocabulary() -> None:
    doc = build_document(from_text("a b\nc", level="word"), LayoutOptions())
    assert doc.padding_text == doc.batch.vocab[0]
    assert build_document(from_lengths([2]), LayoutOptions(padding_value=-1)).padding_text == "-1"


def test_an_empty_batch_is_refused_as_bad_input() -> None:
    with pytest.raises(PadvizError, match="the batch is empty"):
        build_document(Batch(sequences=()), LayoutOptions())


def test_the_header_cuts_words_too_long_for_any_window():
    from padviz.core.batch import Batch
    from padviz.core.text import LONGEST_WORD

    batch = Batch(sequences=((1, 2), (3,)), name="N" * 200, description="see " + "D" * 2000)
    html = build_document(batch, LayoutOptions()).summary_html
    words = html.replace("<b>", " ").replace("</b>", " ").split()
    assert max(len(w) for w in words) == LONGEST_WORD
    assert "see" in words and "D" * (LONGEST_WORD - 1) + "…" in words
