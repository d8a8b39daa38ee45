"""A device box's remote devices: the "Remote…" entry and `host: cuda:0 (NVIDIA ...)` items.

The Training tab's and the Bench tab's device boxes each get one RemoteDevices. Choosing
"Remote…" opens padviz.gui.remote_dialog (the box keeps its previous choice meanwhile); once a
worker answers, its devices join the box (in both tabs: every box in the window learns of a
connected host), each item's data being the remote's device id and REMOTE_ROLE holding the
RemoteTarget, so `target()` says where the chosen device is: None for this machine.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from padviz.gui.name_boxes import NameBox
from padviz.gui.remote_dialog import RemoteDialog
from padviz.runner.messages import Hello
from padviz.runner.remote import RemoteTarget

REMOTE_ENTRY = "Remote…"
REMOTE_CHOICE = "remote…"  # the entry's data: never a device
REMOTE_ROLE = Qt.ItemDataRole.UserRole + 1
DEVICE_BOX_CHARS = 18  # a device box's least width (padviz.gui.name_boxes)


class _KnownRemotes(QObject):
    """The hosts connected to in this run of the app, shared by every device box."""

    added = Signal(object, object, str)  # RemoteTarget, Hello, host

    def __init__(self) -> None:
        super().__init__()
        self.remotes: list[tuple[RemoteTarget, Hello, str]] = []

    def add(self, target: RemoteTarget, hello: Hello, host: str) -> None:
        self.remotes = [r for r in self.remotes if r[0] != target] + [(target, hello, host)]
        self.added.emit(target, hello, host)


_known: _KnownRemotes | None = None


def known_remotes() -> _KnownRemotes:
    global _known
    if _known is None:
        _known = _KnownRemotes()
    return _known


def plain_tooltip(text: str) -> str:
    """A tooltip showing `text` as it is: Qt reads a tooltip that looks like HTML as HTML, so
    the text (the remote's words) goes escaped into one that surely is."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def device_text(host: str, device_id: str, name: str) -> str:
    return f"{host}: {device_id} ({name})"


class RemoteDevices(QObject):
    """Manages `combo`'s remote part; call install() once its local devices are in."""

    targetChanged = Signal(object)  # RemoteTarget | None: where the chosen device is

    def __init__(self, combo: QComboBox, parent: QWidget) -> None:
        super().__init__(parent)
        self.combo = combo
        self.dialog: RemoteDialog | None = None
        self._previous = 0
        NameBox(combo, DEVICE_BOX_CHARS)  # no device's long name widens the window
        combo.activated.connect(self._activated)
        combo.currentIndexChanged.connect(self._index_changed)
        known_remotes().added.connect(self._add)

    def install(self) -> None:
        """Append the known remote devices and the "Remote…" entry."""
        for target, hello, host in known_remotes().remotes:
            self._add(target, hello, host)
        if self.combo.findData(REMOTE_CHOICE) < 0:
            self.combo.addItem(REMOTE_ENTRY, REMOTE_CHOICE)
            self.combo.setItemData(
                self.combo.count() - 1,
                "Train on another machine's device: ssh, srun, docker exec, kubectl exec",
                Qt.ItemDataRole.ToolTipRole,
            )
        self._previous = self.combo.currentIndex()

    def target(self) -> RemoteTarget | None:
        """The remote the chosen device is on; None for this machine's."""
        return self._target_at(self.combo.currentIndex())

    def host(self) -> str | None:
        """The chosen device's host as the box names it; None for this machine."""
        target = self.target()
        if target is None:
            return None
        return next((h for t, _, h in known_remotes().remotes if t == target), target.host)

    def _target_at(self, index: int) -> RemoteTarget | None:
        value = self.combo.itemData(index, REMOTE_ROLE) if index >= 0 else None
        return value if isinstance(value, RemoteTarget) else None

    def open_dialog(self) -> RemoteDialog:
        """Ask for a remote (window-modal, without a nested event loop: training goes on
        drawing); its devices come when it answers."""
        if self.dialog is None:
            self.dialog = RemoteDialog(self.combo.window())
            self.dialog.connected.connect(self._connected)
            self.dialog.finished.connect(self._dialog_closed)
            self.dialog.open()
        return self.dialog

    def _activated(self, index: int) -> None:
        if self.combo.itemData(index) == REMOTE_CHOICE:
            self.combo.setCurrentIndex(self._previous)
            self.open_dialog()

    def _index_changed(self, index: int) -> None:
        if self.combo.itemData(index) != REMOTE_CHOICE:
            self._previous = index
            self.targetChanged.emit(self.target())

    def _connected(self, target: RemoteTarget, hello: Hello, host: str) -> None:
        known_remotes().add(target, hello, host)  # every box adds its items (_add)
        items = [
            i for i in range(self.combo.count()) if self.combo.itemData(i, REMOTE_ROLE) == target
        ]
        accelerators = [i for i in items if self.combo.itemData(i) != "cpu"]
        if items:
            self.combo.setCurrentIndex((accelerators or items)[0])

    def _dialog_closed(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def _add(self, target: RemoteTarget, hello: Hello, host: str) -> None:
        """The remote's devices, replacing those it had in the box, before "Remote…"."""
        for i in reversed(range(self.combo.count())):
            if self._target_at(i) == target:
                self.combo.removeItem(i)
        at = self.combo.findData(REMOTE_CHOICE)
        at = self.combo.count() if at < 0 else at
        for offset, device in enumerate(hello.devices):
            index = at + offset
            self.combo.insertItem(index, device_text(host, device.id, device.name), device.id)
            self.combo.setItemData(index, target, REMOTE_ROLE)
            memory = f", {device.memory_mb / 1024:.0f} GiB" if device.memory_mb else ""
            versions = f"padviz {hello.padviz_version}, torch {hello.torch_version}{memory}"
            tip = plain_tooltip(f"{target.text}\n{versions}")
            self.combo.setItemData(index, tip, Qt.ItemDataRole.ToolTipRole)
