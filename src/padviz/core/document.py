"""The explorer's document: everything it shows for one (batch, options), computed in one call.

`build_document(batch, options)` lays the batch out with torch, compares the waste of every
order and builds the four heatmap grids; a GUI calls it off its own thread for large batches
and only draws the result. What is needed only sometimes (the code text, the words for a
hovered cell or time step, the cells of a time step) is computed on demand from the layout.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from padviz.core.batch import Batch
from padviz.core.codegen import layout_code
from padviz.core.layout import Layout, WasteStats, compare_waste, compute_layout, describe_cell
from padviz.core.options import LayoutOptions
from padviz.core.row_code import row_packing_code
from padviz.core.row_packing import RowPacking
from padviz.core.row_views import RowMaskGrid, RowsGrid, pack_layout, rows_waste
from padviz.core.text import elide_words
from padviz.core.views import (
    JaggedGrid,
    PackedGrid,
    PaddedGrid,
    describe_time,
    format_values,
    time_caption,
    time_cells,
    time_steps,
)


@dataclass(frozen=True, eq=False)
class Document:
    """One batch under one set of options, with what every explorer view draws."""

    layout: Layout
    waste: dict[str, WasteStats]  # given / sorted / bucketed, and "rows" when row-packed
    padded: PaddedGrid
    mask: PaddedGrid
    packed: PackedGrid
    jagged: JaggedGrid
    row_packing: RowPacking | None  # the batch in rows for transformers (None: refused)
    row_length: int
    row_error: str | None  # why it was refused

    @cached_property
    def rows(self) -> RowsGrid:
        """The row-packing grid, built on first use (only a shown row view needs it)."""
        return RowsGrid(
            self.layout, packing=self.row_packing, row_length=self.row_length, error=self.row_error
        )

    @cached_property
    def row_mask(self) -> RowMaskGrid:
        """One row's attention mask, built on first use."""
        return RowMaskGrid(self.layout, rows=self.rows)

    @property
    def batch(self) -> Batch:
        return self.layout.batch

    @property
    def options(self) -> LayoutOptions:
        return self.layout.options

    @property
    def cells(self) -> int:
        """Cells of the padded tensor: how large the document is to draw."""
        return self.layout.B * self.layout.T

    @property
    def grids(self) -> dict[str, PaddedGrid | PackedGrid | JaggedGrid | RowsGrid | RowMaskGrid]:
        """The grids by view name, in the explorer's order."""
        return {
            "padded": self.padded,
            "mask": self.mask,
            "packed": self.packed,
            "jagged": self.jagged,
            "rows": self.rows,
            "row_mask": self.row_mask,
        }

    @cached_property
    def padding_text(self) -> str:
        """How the padding value is written in the cells (a word when it is in the vocab)."""
        return format_values(self.layout, np.array([self.options.padding_value]))[0]

    @cached_property
    def summary_html(self) -> str:
        """The header line: the batch's name and description, or its size and lengths."""
        b = self.batch
        name = f"<b>{html.escape(elide_words(b.name))}</b>: " if b.name else ""
        lengths = b.lengths
        desc = b.description or f"{len(lengths)} sequences, lengths {min(lengths)}..{max(lengths)}"
        return name + html.escape(elide_words(desc))

    @cached_property
    def code(self) -> str:
        """The runnable torch code behind the views (built on first use)."""
        return layout_code(self.batch, self.options) + row_packing_code(
            self.layout, self.row_length
        )

    @property
    def time_steps(self) -> int:
        """How many time steps an LSTM walks through the packed batch (0 if torch refused)."""
        return time_steps(self.layout)

    def time_cells(self, t: int) -> np.ndarray:
        """(K, 2) batch cells (row, t') read at time step t."""
        return time_cells(self.layout, t)

    def describe_time(self, t: int) -> str:
        return describe_time(self.layout, t)

    def time_caption(self, t: int) -> str:
        """The time walk's caption at time step t (why there is none when torch refused)."""
        return time_caption(self.layout, t)

    def describe_cell(self, row: int, t: int) -> str:
        return describe_cell(self.layout, row, t)


def build_document(batch: Batch, options: LayoutOptions, *, rows: bool = False) -> Document:
    """Lay `batch` out under `options` and build every view's grid (LayoutError on a batch
    that cannot be laid out, such as an empty one); the row-packing grids too with `rows`,
    else on first use."""
    layout = compute_layout(batch, options)
    waste = compare_waste(batch, options)
    packing, row_length, row_error = pack_layout(layout)
    if packing is not None:
        waste["rows"] = rows_waste(packing, waste[options.order])
    document = Document(
        layout=layout,
        waste=waste,
        padded=PaddedGrid(layout),
        mask=PaddedGrid(layout, kind="mask"),
        packed=PackedGrid(layout),
        jagged=JaggedGrid(layout),
        row_packing=packing,
        row_length=row_length,
        row_error=row_error,
    )
    if rows:  # built here, off the GUI thread, for an explorer that shows them
        document.rows, document.row_mask  # noqa: B018
    return document
