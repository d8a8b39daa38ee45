"""The window's state: one batch and its layout options, and the document computed from them.

Editors call `set_batch` / `set_options` and follow `changed`; the views, the waste meter, the
time walk and the lecture follow `layoutChanged(document)` and draw what the core computed
(padviz.core.document). Small batches are computed at once; larger ones on a background
thread, so the GUI thread never waits, with `computingChanged(True)` meanwhile. Only the
latest request is ever shown: a result that an edit overtook is dropped. Until torch is
loaded (padviz.gui.torch_loader) requests wait, `loading` and `computing` are True.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from padviz.core.batch import Batch, from_lengths
from padviz.core.errors import PadvizError
from padviz.core.options import LayoutOptions
from padviz.gui.torch_loader import torch_loader

if TYPE_CHECKING:
    from padviz.core.document import Document

# Up to this many padded cells a document is built on the GUI thread: a few milliseconds,
# less than handing it to a thread and back. Larger batches are built on a thread.
SYNC_CELLS = 1 << 16


def padded_cells(batch: Batch, options: LayoutOptions) -> int:
    """An upper bound of the padded tensor's cells, without building anything."""
    longest = max(batch.lengths, default=0)
    if options.max_length is not None:
        longest = min(longest, options.max_length)
    multiple = options.pad_to_multiple_of or 1
    return len(batch.sequences) * (-(-longest // multiple) * multiple)


def _build(batch: Batch, options: LayoutOptions, rows: bool) -> Document:
    from padviz.core.document import build_document  # torch: imported on first use

    return build_document(batch, options, rows=rows)


class _Delivery(QObject):
    """Carries a thread's result to the GUI thread (a queued signal: the receiver lives there)."""

    done = Signal(int, object, object)  # request number, Document | None, exception | None


class AppState(QObject):
    """The current batch and options, their document, the file they came from, and whether
    they were edited since."""

    changed = Signal()  # batch or options changed: editors show them
    layoutChanged = Signal(object)  # a new Document for the current batch and options
    layoutFailed = Signal(str)  # the current batch cannot be laid out (the last document stays)
    computingChanged = Signal(bool)  # a document is being computed off the GUI thread
    dirtyChanged = Signal(bool)
    pathChanged = Signal(object)  # Path | None

    def __init__(self, batch: Batch | None = None, options: LayoutOptions | None = None) -> None:
        super().__init__()
        self._batch = batch if batch is not None else from_lengths([5, 3, 7])
        self._options = options if options is not None else LayoutOptions()
        self._dirty = False
        self._path: Path | None = None
        self._document: Document | None = None
        self._request = 0  # number of the latest request; results of older ones are dropped
        self._shown = 0  # request number of the document (or failure) now shown
        self._thread: threading.Thread | None = None
        self._queued = False  # a newer request waits for the running thread
        # A view shows the row-packing grids: build them with the document (off the GUI
        # thread for a large batch) rather than on first use.
        self.rows_wanted = False
        self._loading = False  # requests wait for torch
        self._delivery = _Delivery(self)
        self._delivery.done.connect(self._delivered)

    @property
    def batch(self) -> Batch:
        return self._batch

    @property
    def options(self) -> LayoutOptions:
        return self._options

    @property
    def document(self) -> Document | None:
        """The document last shown (None before the first one)."""
        return self._document

    @property
    def computing(self) -> bool:
        return self._thread is not None or self._loading

    @property
    def loading(self) -> bool:
        """Whether the document waits for torch to load (the first seconds of a run)."""
        return self._loading

    @property
    def current(self) -> bool:
        """Whether the document (or failure) shown is for the current batch and options."""
        return self._shown == self._request and self._request > 0

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
        self.recompute()

    def set_options(self, options: LayoutOptions) -> None:
        if options != self._options:
            self._options = options
            self.changed.emit()
            self.recompute()

    def set_path(self, path: Path | None) -> None:
        self._path = path
        self._set_dirty(False)
        self.pathChanged.emit(path)

    def _set_dirty(self, dirty: bool) -> None:
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)

    # -- computing the document -------------------------------------------------------------
    def ensure_document(self) -> None:
        """Compute the document if nothing has been asked for yet (the first show)."""
        if self._request == 0:
            self.recompute()

    def recompute(self) -> None:
        """Build the document of the current batch and options: now for a small batch, on a
        thread for a large one (then `layoutChanged` follows later, unless overtaken)."""
        self._request += 1
        if self._loading:
            return  # the latest request is computed once torch is there
        if not torch_loader().is_loaded():
            self._loading = True
            torch_loader().when_loaded(self._torch_loaded)
            self.computingChanged.emit(True)
            return
        if padded_cells(self._batch, self._options) <= SYNC_CELLS and self._thread is None:
            request = self._request
            try:
                document = _build(self._batch, self._options, self.rows_wanted)
            except PadvizError as exc:
                self._publish(request, None, exc)
            else:
                self._publish(request, document, None)
            return
        if self._thread is not None:
            self._queued = True  # started when the running one ends: only the latest counts
            return
        self._start_thread()
        self.computingChanged.emit(True)

    def _torch_loaded(self) -> None:
        self._loading = False
        self.computingChanged.emit(False)
        self.recompute()

    def _start_thread(self) -> None:
        request, batch, options = self._request, self._batch, self._options
        delivery, rows = self._delivery, self.rows_wanted

        def work() -> None:
            document, error = None, None
            try:
                document = _build(batch, options, rows)
            except Exception as exc:  # handed to the GUI thread, which reports it
                error = exc
            with contextlib.suppress(RuntimeError):  # the state was deleted: nobody to tell
                delivery.done.emit(request, document, error)

        self._queued = False
        self._thread = threading.Thread(target=work, name="padviz-document", daemon=True)
        self._thread.start()

    def _delivered(self, request: int, document: Document | None, error: Exception | None) -> None:
        self._thread = None
        if self._queued:
            self._start_thread()  # still computing: the latest request goes on
        else:
            self.computingChanged.emit(False)
        if error is not None and not isinstance(error, PadvizError):
            raise error  # a bug: let the application's error report show it
        self._publish(request, document, error)

    def _publish(self, request: int, document: Document | None, error: Exception | None) -> None:
        if request != self._request:
            return  # stale: the user has edited since
        self._shown = request
        if document is None:
            self.layoutFailed.emit(str(error))
            return
        self._document = document
        self.layoutChanged.emit(document)
