"""torch, loaded once per process after the window is first painted, on a thread.

`import torch` takes seconds; the window must not wait for it. The GUI imports only the core
modules that do without torch; what needs torch (the document, lessons, training settings,
devices) asks `torch_loader().when_loaded(slot)` and shows a loading state until then. The
main window calls `start()` once it has painted; `wait()` loads at once (tests, screenshots).
Where torch is already imported (tests, a command that loaded a lesson first), the rest is
imported on the spot, so nothing waits.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import importlib.util
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

# What the window needs once torch is there, imported on the loader's thread so that the GUI
# thread never waits for a module lock.
MODULES = (
    "torch",
    "padviz.core.document",
    "padviz.core.lessons",
    "padviz.core.training",
    "padviz.core.tasks",
    "padviz.core.devices",
    "padviz.core.hidden_truth",
)
LOADING = "loading torch…"
# torch's largest library, opened first through ctypes: ctypes lets go of the GIL while the
# dynamic loader works (~0.4 s here), where `import torch` holds it and the window froze.
BIG_LIBRARIES = ("libtorch_cpu.so", "libtorch_cpu.dylib")


def _open_big_library() -> None:
    """Load torch's largest shared library without holding the GIL (where there is one)."""
    spec = importlib.util.find_spec("torch")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        for name in BIG_LIBRARIES:
            path = Path(folder, "lib", name)
            if path.is_file():
                with contextlib.suppress(OSError):  # then `import torch` opens it as usual
                    ctypes.CDLL(str(path))
                return


def _import_all() -> None:
    if "torch" not in sys.modules:
        _open_big_library()
    for name in MODULES:
        importlib.import_module(name)


class _Delivery(QObject):
    """Carries the thread's outcome to the GUI thread (a queued signal)."""

    done = Signal(object)  # None, or the exception the import raised


class TorchLoader(QObject):
    """Loads MODULES once; `loaded` is said once, on the GUI thread, when they are there."""

    loaded = Signal()

    def __init__(self) -> None:
        super().__init__()
        self._loaded = False
        self._waiting = False  # a slot is connected to `loaded`
        self._thread: threading.Thread | None = None
        self._delivery = _Delivery(self)
        self._delivery.done.connect(self._arrived)

    def is_loaded(self) -> bool:
        """Whether the modules are there; when torch was imported by someone else, the rest
        is imported now (a fraction of torch's time)."""
        if not self._loaded and self._thread is None and "torch" in sys.modules:
            _import_all()
            self._finish()
        return self._loaded

    def when_loaded(self, slot: Callable[[], None]) -> None:
        """Call `slot` now if loaded, else on the GUI thread once loaded. Give a QObject's
        method: the connection then ends with the object."""
        if self.is_loaded():
            slot()
        else:
            self.loaded.connect(slot)
            self._waiting = True

    def start(self) -> None:
        """Begin loading on a thread (once; nothing when already loaded)."""
        if self._thread is not None or self.is_loaded():
            return
        delivery = self._delivery

        def work() -> None:
            error: Exception | None = None
            try:
                _import_all()
            except Exception as exc:  # handed to the GUI thread, which reports it
                error = exc
            with contextlib.suppress(RuntimeError):  # the loader was deleted with the app
                delivery.done.emit(error)

        self._thread = threading.Thread(target=work, name="padviz-torch-import", daemon=True)
        self._thread.start()

    def wait(self) -> None:
        """Load now, blocking (for a screenshot or a test, never for the window)."""
        self.start()
        if self._thread is not None:
            self._thread.join()
            _import_all()  # raises here what the thread's import raised
            self._finish()

    def _arrived(self, error: Exception | None) -> None:
        if error is not None and not self._loaded:
            raise error  # a broken install: let the application's error report show it
        # torch's ~200,000 objects join those frozen at start-up (padviz.gui.app): full
        # garbage-collector passes over them stalled the GUI thread for ~250 ms each.
        gc.freeze()
        self._finish()

    def _finish(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        self._thread = None
        self.loaded.emit()
        if self._waiting:
            self._waiting = False
            self.loaded.disconnect()  # said once: the slots need not be kept


_loader: TorchLoader | None = None


def torch_loader() -> TorchLoader:
    """The process's loader (created on first use, on the GUI thread)."""
    global _loader
    if _loader is None:
        _loader = TorchLoader()
    return _loader
