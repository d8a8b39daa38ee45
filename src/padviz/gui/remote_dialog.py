"""The "Remote…" dialog: reach `padviz worker --stdio` on another machine and list its devices.

An ssh destination (with an optional remote command, such as a venv's padviz), or, with no
destination, a whole command for another transport (srun, docker exec, kubectl exec). Connect
starts a probe (padviz.runner.remote.RemoteHandle without a role): the worker's Hello gives its
versions and devices, a failure gives the remote's stderr. The probe runs in its own process
and threads; a timer here only looks at it, so the window never waits for the network.
Everything the remote says is shown as plain text.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from padviz.core.errors import PadvizError
from padviz.gui.remembered import Remembered
from padviz.runner.messages import Hello, Lost
from padviz.runner.remote import DEFAULT_REMOTE_COMMAND, RemoteHandle, RemoteTarget, remote_target

PROBE_POLL_MS = 100
HELP = (
    "With a destination, ssh runs the command there (default: padviz worker --stdio;\n"
    "a venv's: ~/venv/bin/padviz worker --stdio); ssh must log in without a prompt\n"
    "(a key or ssh-agent). Without one, the command is the whole transport, e.g.\n"
    "    srun --gres=gpu:1 padviz worker --stdio\n"
    "    docker exec -i NAME padviz worker --stdio\n"
    "    kubectl exec -i POD -- padviz worker --stdio"
)


def plain_label(text: str = "", name: str = "") -> QLabel:
    """A label that never reads its text as HTML (it may come from the remote)."""
    label = QLabel(objectName=name, wordWrap=True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class RemoteDialog(QDialog):
    """Connect to a remote worker; `connected(target, hello, host)` once its Hello arrived."""

    connected = Signal(object, object, str)  # RemoteTarget, Hello, the host's name

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("remoteDialog")
        self.setWindowTitle("Remote worker")
        self.remembered = Remembered(lambda message: self.say(message))
        self.probe: RemoteHandle | None = None
        self.destination = QComboBox(objectName="remoteDestination", editable=True)
        self.destination.lineEdit().setPlaceholderText("user@host (ssh), or empty")
        self.command = QLineEdit(objectName="remoteCommand")
        self.command.setPlaceholderText(DEFAULT_REMOTE_COMMAND)
        self.status = plain_label(name="remoteStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.connect_button = QPushButton("Connect", objectName="remoteConnectButton")
        self.connect_button.setDefault(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.connect_button, QDialogButtonBox.ButtonRole.ActionRole)
        form = QFormLayout()
        form.addRow("ssh destination", self.destination)
        form.addRow("command", self.command)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)  # wrapped text fits
        layout.addLayout(form)
        help_label = plain_label(HELP)
        help_label.setWordWrap(False)  # its own lines: the dialog is as wide as they are
        layout.addWidget(help_label)
        layout.addWidget(self.status)
        layout.addWidget(buttons)

        self._commands: dict[str, str] = {}
        for destination, command in self.remembered.remotes():
            key = destination if destination is not None else ""
            if key not in self._commands:
                self._commands[key] = command
                self.destination.addItem(key)
        self.destination.currentTextChanged.connect(self._fill_command)
        self._fill_command(self.destination.currentText())
        self._timer = QTimer(self, interval=PROBE_POLL_MS)
        self._timer.timeout.connect(self._look)
        self.connect_button.clicked.connect(self.connect_to)
        buttons.rejected.connect(self.reject)
        self.finished.connect(self._end_probe)

    def say(self, text: str) -> None:
        """Show `text` (plain) under the fields, the dialog growing to hold it."""
        self.status.setText(text)
        self.adjustSize()

    def target(self) -> RemoteTarget:
        """What the fields describe (a PadvizError naming the field if they cannot be used)."""
        destination = self.destination.currentText().strip() or None
        command = self.command.text().strip() or None
        return remote_target(destination, command, names=("destination", "command"))

    def connect_to(self) -> None:
        """Start the probe (the fields' target); its answer comes to the timer."""
        try:
            target = self.target()
        except PadvizError as exc:
            self.say(f"error: {exc}")
            return
        self._end_probe()
        self.probe = RemoteHandle(target, None)
        self.say(f"connecting: {target.text} (the worker loads torch first)…")
        self.connect_button.setEnabled(False)
        self._timer.start()

    def _look(self) -> None:
        probe = self.probe
        if probe is None:
            return
        if probe.hello is not None:
            self._succeeded(probe, probe.hello)
            return
        lost = [m for m in probe.poll() if isinstance(m, Lost)]
        if lost:
            self._end_probe()
            self.say(f"error: {lost[0].message}")

    def _succeeded(self, probe: RemoteHandle, hello: Hello) -> None:
        host = probe.host
        target = probe.target
        self._end_probe()
        self.remembered.add_remote(target.destination, target.command)
        self.connected.emit(target, hello, host)
        self.accept()

    def _end_probe(self) -> None:
        """Stop looking and end the probe's process off this thread (it may take a moment)."""
        self._timer.stop()
        self.connect_button.setEnabled(True)
        probe, self.probe = self.probe, None
        if probe is not None:
            threading.Thread(target=probe.stop, name="padviz-probe-stop", daemon=True).start()

    def _fill_command(self, destination: str) -> None:
        """A remembered host brings back the command it was reached with."""
        command = self._commands.get(destination.strip())
        if command is not None:
            self.command.setText("" if command == DEFAULT_REMOTE_COMMAND else command)
