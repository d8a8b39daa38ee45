"""`padviz worker --stdio`: the training and bench workers over stdin/stdout, one JSON line each.

The machine with the GPU runs this under the user's own transport (ssh, srun, docker exec,
kubectl exec); the parent's side is padviz.runner.remote. The worker loops are the local ones,
unchanged: StdioChannel gives them the send/recv/poll of a multiprocessing Connection, over
lines checked by padviz.runner.json_codec. A reader thread takes every line as it comes: a Ping
is answered at once (the latency, even mid-step), a line that is not a valid command gets a
ProtocolError back and the worker carries on, and end of file (the parent closed stdin, or the
connection dropped) ends the worker at its next look at the channel.

Nothing but protocol lines may reach stdout: file descriptor 1 is pointed at stderr at start
(so a stray print, or a library writing there, lands in stderr, which the parent keeps for its
fault messages), and the protocol writes to a copy of the original.
"""

from __future__ import annotations

import contextlib
import os
import queue
import socket
import sys
import threading
from typing import Any, BinaryIO

from padviz.runner.json_codec import (
    COMMANDS,
    MAX_COMMAND_BYTES,
    CodecError,
    Oversized,
    decode,
    encode,
    read_lines,
)
from padviz.runner.messages import (
    PROTOCOL_VERSION,
    Begin,
    Hello,
    Ping,
    Pong,
    ProtocolError,
    Quit,
    RemoteDevice,
)

PROTOCOL_ENV = "PADVIZ_TEST_PROTOCOL"  # tests: the protocol version this worker claims
ROLES = ("training", "bench")
EXIT_PROTOCOL_MISMATCH = 3
_END = object()  # in the inbox: stdin has ended


class StdioChannel:
    """A worker's Channel (padviz.runner.process) over a command stream and a report stream."""

    def __init__(self, commands: BinaryIO, reports: BinaryIO) -> None:
        self._reports = reports
        self._lock = threading.Lock()  # the reader thread answers too
        self._inbox: queue.Queue[Any] = queue.Queue()
        self._reader = threading.Thread(
            target=self._read, args=(commands,), name="padviz-stdin", daemon=True
        )
        self._reader.start()

    def send(self, obj: Any) -> None:
        line = encode(obj)
        with self._lock:
            self._reports.write(line)
            self._reports.flush()

    def recv(self) -> Any:
        """The next command (blocks); EOFError once stdin has ended."""
        command = self._inbox.get()
        if command is _END:
            self._inbox.put(_END)  # every later recv() ends too
            raise EOFError("stdin closed")
        return command

    def poll(self) -> bool:
        """Whether recv() would return at once (a command, or the end)."""
        return not self._inbox.empty()

    def close(self) -> None:
        with self._lock:
            self._reports.flush()

    def _read(self, commands: BinaryIO) -> None:
        try:
            for line in read_lines(commands, MAX_COMMAND_BYTES):
                if isinstance(line, Oversized):
                    self._refuse(line.message)
                    continue
                if not line.strip():
                    continue
                try:
                    command = decode(line, COMMANDS, MAX_COMMAND_BYTES)
                except CodecError as exc:
                    self._refuse(str(exc))
                    continue
                if isinstance(command, Ping):
                    self.send(Pong(command.token))
                else:
                    self._inbox.put(command)
        except (OSError, ValueError):  # stdin or stdout broke: the parent is gone
            pass
        finally:
            self._inbox.put(_END)

    def _refuse(self, message: str) -> None:
        self.send(ProtocolError(f"line ignored: {message}"))


def hello() -> Hello:
    """This machine's versions and devices (imports torch: a few seconds)."""
    import torch

    import padviz
    from padviz.core.devices import available_devices

    devices = tuple(RemoteDevice(d.id, d.name, _memory_mb(d.id)) for d in available_devices())
    protocol = int(os.environ.get(PROTOCOL_ENV, PROTOCOL_VERSION))
    return Hello(protocol, padviz.__version__, torch.__version__, socket.gethostname(), devices)


def _memory_mb(device: str) -> float | None:
    import torch

    if device.startswith("cuda:"):
        return torch.cuda.get_device_properties(int(device[5:])).total_memory / 2**20
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    except (ValueError, OSError, AttributeError):  # not on this platform
        return None


def serve(commands: BinaryIO, reports: BinaryIO) -> int:
    """The handshake, then the role the parent asks for until it quits or stdin ends. Hello
    is the first line out; nothing is read before it (so nothing is answered before it)."""
    from padviz.runner import bench_worker, training_worker

    try:
        greeting = hello()
        channel = StdioChannel(commands, reports)
        channel.send(greeting)
        while True:
            command = channel.recv()
            if isinstance(command, Quit):
                return 0
            if not isinstance(command, Begin):
                channel.send(ProtocolError(f"expected Begin first, got {type(command).__name__}"))
                continue
            if command.protocol != PROTOCOL_VERSION:
                return _mismatch(channel, command)
            if command.role == "training":
                training_worker.serve(channel)
            elif command.role == "bench" and command.bench_config is not None:
                bench_worker.serve(channel, dict(command.bench_config))
            elif command.role == "bench":
                channel.send(ProtocolError("Begin of the bench needs its bench_config"))
                continue
            else:
                channel.send(ProtocolError(f"unknown role {command.role!r}; use one of {ROLES}"))
                continue
            return 0
    except (EOFError, BrokenPipeError):  # the parent closed stdin, or the link dropped
        return 0


def _mismatch(channel: StdioChannel, begin: Begin) -> int:
    import padviz

    message = (
        f"this worker (padviz {padviz.__version__}) speaks worker protocol {PROTOCOL_VERSION}, "
        f"the window's padviz {begin.padviz_version} speaks {begin.protocol}: install the same "
        "padviz version on both machines"
    )
    print(f"padviz worker: {message}", file=sys.stderr, flush=True)
    channel.send(ProtocolError(message))
    return EXIT_PROTOCOL_MISMATCH


def main() -> int:
    """Run the worker on this process's stdin and stdout; exits without the interpreter's
    teardown (about a second with torch loaded)."""
    sys.stdout.flush()
    reports = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything else written to stdout goes to stderr
    sys.stdout = sys.stderr
    code = serve(sys.stdin.buffer, reports)
    with contextlib.suppress(OSError):
        reports.flush()
    sys.stderr.flush()
    os._exit(code)
