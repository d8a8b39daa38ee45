"""The mistake lab's picture of a silent mistake: the batch as a batch-major padded heatmap with
the cells the wrong code affected lit (padviz.core.mistake_views), the words saying what is
lit beside it, and "Show in explorer" to light them in the explorer's own views."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from padviz.gui.explorer.views import PaddedView
from padviz.gui.theme import Theme

if TYPE_CHECKING:
    from padviz.core.document import Document
    from padviz.core.mistakes import MistakeResult

FIX_WASH = "88"  # after the fix the cells are washed with the background, outlined in the
# fix colour: a blue fill alone vanished on the token map's blues
OUTLINE_PX = 3.0  # bolder than the explorer's: these cells are the point of the picture
ROW_LINES = 1.4  # a heatmap row's height in text lines ...
CHROME_LINES, CHROME_PX = 3.0, 40  # ... and its title's and axes' (their padding is in pixels)
MIN_ROWS_SHOWN, MAX_ROWS_SHOWN = 2, 8  # more sequences than this share the tallest view


class MistakeCellsView(QWidget):
    """mistakeCells: `cellsView` (a PaddedView) with the affected cells lit, `cellsCaption`
    saying what they are, `showInExplorerButton` (emits `showInExplorer()`)."""

    showInExplorer = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mistakeCells")
        self.view = PaddedView()
        self.view.setObjectName("cellsView")  # not the explorer's paddedView
        # Over the cell text and its separators (which hide an outline beneath them): the
        # translucent fill leaves the numbers readable.
        self.view.lit.setZValue(self.view.text.zValue() + 0.5)
        self.caption = QLabel()
        self.caption.setObjectName("cellsCaption")
        self.caption.setWordWrap(True)
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explorer_button = QPushButton("Show in &explorer")
        self.explorer_button.setObjectName("showInExplorerButton")
        self.explorer_button.setToolTip("Light these cells in the explorer's views")
        self.explorer_button.clicked.connect(self.showInExplorer)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.caption)
        side.addWidget(self.explorer_button, 0, Qt.AlignmentFlag.AlignLeft)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view, 3)
        layout.addLayout(side, 2)
        self._rows = MIN_ROWS_SHOWN

    def show_result(
        self, document: Document, result: MistakeResult, theme: Theme, *, fixed: bool
    ) -> None:
        """Draw the batch with the result's cells lit: in the theme's highlight colour, or
        after the fix in its info colour, the caption saying which."""
        from padviz.core.mistake_views import caption  # torch: loaded by the run shown

        self.view.set_grid(document.padded)
        keys = np.array(result.affected_cells, np.int64).reshape(-1, 2)
        if fixed:
            self.view.lit.set_style(theme.info[:7], OUTLINE_PX, theme.background[:7] + FIX_WASH)
        else:
            self.view.lit.set_style(theme.lit[:7], OUTLINE_PX, theme.lit)
        self.view.set_lit_cells(document.padded.cells_of(keys))
        self.caption.setText(caption(result, fixed=fixed))
        self._rows = min(max(len(result.lengths), MIN_ROWS_SHOWN), MAX_ROWS_SHOWN)
        self._fit()
        self.show()

    def lit_cells(self) -> np.ndarray:
        """(K, 2) the drawn cells (r, c) lit now."""
        return self.view.lit.cells

    def _fit(self) -> None:
        """As tall as its rows need at the current font (large type in presentation)."""
        line = self.fontMetrics().lineSpacing()
        self.view.setFixedHeight(int((CHROME_LINES + ROW_LINES * self._rows) * line) + CHROME_PX)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        self._fit()
