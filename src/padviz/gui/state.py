"""The document the window shows: one batch and its layout options.

Every view listens to `changed`; every editor calls `set_batch` / `set_options`. The layout itself
is computed by padviz.core (the GUI computes nothing itself).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from padviz.core.batch import Batch, from_lengths
from padviz.core.options import LayoutOptions


class AppState(QObject):
    """The current batch and options, the file they came from, and whether they were edited."""

    changed = Signal()  # batch or options changed: views recompute / redraw
    dirtyChanged = Signal(bool)
    pathChanged = Signal(object)  # Path | None

    def __init__(self, batch: Batch | None = None, options: LayoutOptions | None = None) -> None:
        super().__init__()
        self._batch = batch if batch is not None else from_lengths([5, 3, 7])
        self._options = options if options is not None else LayoutOptions()
        self._dirty = False
        self._path: Path | None = None

    @property
    def batch(self) -> Batch:
        return self._batch

    @property
    def options(self) -> LayoutOptions:
        return self._options

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def path(self) -> Path | None:
        return self._path

    def set_batch(self, batch: Batch, *, edited: bool = True) -> None:
        """Show a new batch; `edited=False` for batches loaded from a file or a preset."""
        self._batch = batch
        self._set_dirty(edited)
        self.changed.emit()

    def set_options(self, options: LayoutOptions) -> None:
        if options != self._options:
            self._options = options
            self.changed.emit()

    def set_path(self, path: Path | None) -> None:
        self._path = path
        self._set_dirty(False)
        self.pathChanged.emit(path)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)
