"""The parent's side of a remote worker: `padviz worker --stdio` under the user's own transport.

RemoteTarget says how to reach the worker: an ssh destination (with an optional remote command,
such as a venv's padviz), or a whole command for any other transport (srun, docker exec,
kubectl exec, or a local `python -m padviz worker --stdio`). The command runs as an argv, never
through a shell here; nothing listens on a socket: authentication is the transport's.

RemoteHandle is a drop-in for padviz.runner.process.WorkerHandle (send, sync, poll, stop, alive,
pid, exitcode): TrainingClient and BenchClient take either. A reader thread parses the worker's
stdout line by line (padviz.runner.json_codec: checked against the dataclasses, size-bounded)
into a queue that poll() drains; another keeps the last lines of its stderr for fault messages.
Commands sent before the handshake wait until it is done. Every failure, whether the command
cannot start, the far side speaks another protocol, or the link drops mid-run, arrives once as
Lost(exitcode, message) (a Died), and the message quotes the remote's stderr. stop() sends Quit,
closes stdin (the worker ends at end of file too), and ends the transport process within ~2 s.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import shlex
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import IO, Any

from padviz.core.errors import PadvizError
from padviz.runner.json_codec import (
    MAX_REPORT_BYTES,
    REPORTS,
    CodecError,
    Oversized,
    decode,
    encode,
    read_lines,
)
from padviz.runner.messages import (
    PROTOCOL_VERSION,
    Begin,
    Command,
    Hello,
    Lost,
    Ping,
    Pong,
    Quit,
    Report,
    Sync,
)
from padviz.runner.process import MAX_MESSAGES_PER_POLL

DEFAULT_REMOTE_COMMAND = "padviz worker --stdio"
# No prompt (there may be no terminal to answer it), a bounded connect, and a dead link noticed
# within ~15 s instead of TCP's minutes.
SSH_OPTIONS = (
    "-T",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=15",
    "-o",
    "ServerAliveInterval=5",
    "-o",
    "ServerAliveCountMax=3",
)
MAX_TARGET_CHARS = 1000
STDERR_LINES = 12  # of the remote's stderr kept for a fault message
STDERR_LINE_CHARS = 400
PING_S = 1.0  # how often the latency is measured


class RemoteError(PadvizError):
    """A remote destination or command that cannot be used as given."""


@dataclass(frozen=True)
class RemoteTarget:
    """ssh `destination` running `command`, or (destination None) `command` as it stands."""

    destination: str | None
    command: str

    @property
    def argv(self) -> tuple[str, ...]:
        if self.destination is None:
            return tuple(shlex.split(self.command))
        return ("ssh", *SSH_OPTIONS, "--", self.destination, self.command)

    @property
    def host(self) -> str:
        """A short name for the device box and messages: ssh's host, else the command's word."""
        if self.destination is None:
            return self.argv[0].rsplit("/", 1)[-1]
        host = self.destination.rsplit("@", 1)[-1]
        return host.split(":", 1)[0] if self.destination.startswith("ssh://") else host

    @property
    def text(self) -> str:
        """The command as a user would type it."""
        if self.destination is None:
            return self.command
        return f"ssh {self.destination} {self.command}"


def remote_target(
    destination: str | None,
    command: str | None,
    names: tuple[str, str] = ("--remote", "--remote-command"),
) -> RemoteTarget:
    """A target from an ssh destination and/or a command (named `names` in errors): with a
    destination, ssh runs the command there (default: padviz worker --stdio); without one, the
    command is the whole transport."""
    dest_name, command_name = names
    if command is not None:
        if len(command) > MAX_TARGET_CHARS:
            raise RemoteError(
                f"{command_name} is {len(command)} characters, over the limit of {MAX_TARGET_CHARS}"
            )
        try:
            words = shlex.split(command)
        except ValueError as exc:
            raise RemoteError(
                f"{command_name} {command!r} cannot be split into words: {exc}"
            ) from None
        if not words:
            raise RemoteError(f"{command_name} is empty; give the command that starts the worker")
    if destination is None:
        if command is None:
            raise RemoteError(f"give {dest_name} USER@HOST or {command_name} CMD")
        return RemoteTarget(None, command)
    destination = destination.strip()
    if not destination or destination.startswith("-") or any(c.isspace() for c in destination):
        raise RemoteError(
            f"{dest_name} {destination!r} is not an ssh destination (user@host, host, "
            "ssh://user@host:port)"
        )
    if len(destination) > MAX_TARGET_CHARS:
        raise RemoteError(f"{dest_name} is over the limit of {MAX_TARGET_CHARS} characters")
    return RemoteTarget(destination, command if command is not None else DEFAULT_REMOTE_COMMAND)


def begin(role: str, bench_config: dict[str, Any] | None = None) -> Begin:
    """A remote worker's first command: this side's protocol, and what to serve."""
    import padviz

    return Begin(PROTOCOL_VERSION, padviz.__version__, role, bench_config)


class RemoteHandle:
    """The parent's side of one remote worker; `begin` None only asks for its Hello (a probe:
    `hello` is set once it arrived, or poll() gives Lost)."""

    def __init__(self, target: RemoteTarget, begin: Begin | None) -> None:
        self.target = target
        self.hello: Hello | None = None  # the worker's handshake, once it matched
        self.latency_ms: float | None = None  # the last Ping's round trip
        self._begin = begin
        self._reports: queue.Queue[Report] = queue.Queue()
        self._pending: list[Command] = []
        self._lock = threading.Lock()  # the handshake state and the pending commands
        self._write_lock = threading.Lock()
        self._stderr: deque[str] = deque(maxlen=STDERR_LINES)
        self._started = False  # Begin (and the pending commands) sent
        self._stopping = False
        self._ended = False  # Lost delivered, or stopped: poll() gives nothing more
        self._refusal: str | None = None  # why the reader gave up on the worker
        self._sync_tokens = itertools.count(1)
        self._ping_tokens = itertools.count(1)
        self._pings: dict[int, float] = {}
        self._pinged_at = 0.0
        self._threads: list[threading.Thread] = []
        try:
            self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
                list(target.argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            self._process = None
            word = target.argv[0] if target.argv else target.command
            why = "no such command here" if isinstance(exc, FileNotFoundError) else exc.strerror
            self._reports.put(Lost(None, f"cannot start {word!r} ({why}): `{target.text}`"))
            return
        self._threads = [
            threading.Thread(target=body, name=f"padviz-remote-{name}", daemon=True)
            for name, body in (("stdout", self._read_reports), ("stderr", self._read_stderr))
        ]
        for thread in reversed(self._threads):  # the stdout reader joins the stderr one
            thread.start()

    @property
    def host(self) -> str:
        """The remote's name: the ssh host, else the hostname its Hello gave (until then, the
        command's first word)."""
        if self.target.destination is None and self.hello is not None:
            return self.hello.hostname
        return self.target.host

    @property
    def stderr_lines(self) -> list[str]:
        """The last lines the remote wrote on stderr (STDERR_LINES at most)."""
        return list(self._stderr)

    # -- WorkerHandle's interface ------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return not self._ended and self._process is not None and self._process.poll() is None

    @property
    def exitcode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    def send(self, command: Command) -> bool:
        """Send a command (queued until the handshake is done); False when the worker is gone."""
        with self._lock:
            if self._ended or self._stopping or self._process is None:
                return False
            if not self._started:
                self._pending.append(command)
                return True
        return self._write(command)

    def sync(self) -> int:
        token = next(self._sync_tokens)
        self.send(Sync(token))
        return token

    def poll(self, timeout: float = 0.0) -> list[Report]:
        """Every report waiting now (waiting up to `timeout` s for the first), then Lost once
        if the connection ended without being asked."""
        if self._ended:
            return []
        self._ping()
        messages: list[Report] = []
        with contextlib.suppress(queue.Empty):
            first = self._reports.get(timeout=timeout) if timeout else self._reports.get_nowait()
            messages.append(first)
            while len(messages) < MAX_MESSAGES_PER_POLL:
                messages.append(self._reports.get_nowait())
        if any(isinstance(m, Lost) for m in messages):
            self._ended = True
            self._close_pipes()
        return messages

    def stop(self, timeout: float = 1.5) -> None:
        """Quit, close stdin, and end the transport process if it has not ended by `timeout`
        (terminate, then kill): within ~2 s in every case. Idempotent."""
        with self._lock:
            started, self._stopping = self._started, True
        process = self._process
        if process is not None and process.poll() is None:
            if started:
                self._write(Quit())
            with contextlib.suppress(OSError, ValueError), self._write_lock:
                if process.stdin is not None:
                    process.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):  # before the handshake,
                process.wait(timeout if started else 0.1)  # the worker has nothing to finish
            self._end_transport()
        for thread in self._threads:
            thread.join(0.25)
        self._ended = True
        self._close_pipes()

    # -- the threads ---------------------------------------------------------------------------
    def _read_reports(self) -> None:
        process = self._process
        assert process is not None and process.stdout is not None
        with contextlib.suppress(OSError, ValueError):
            for line in read_lines(process.stdout, MAX_REPORT_BYTES):
                if self._refusal is None and line:
                    self._take(line)
        # end of file: the worker (or the transport) has ended, or is about to
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(1.0)
        self._end_transport()
        for thread in self._threads[1:]:
            thread.join(1.0)  # the last of stderr, for the message
        if not self._stopping:
            self._reports.put(Lost(process.returncode, self._ended_message(process.returncode)))

    def _take(self, line: bytes | Oversized) -> None:
        """One line of the worker's stdout."""
        try:
            if isinstance(line, Oversized):
                raise CodecError(line.message)
            report = decode(line, REPORTS, MAX_REPORT_BYTES)
        except CodecError as exc:
            if self.hello is None:  # not a padviz worker at all
                self._refuse(f"`{self.target.text}` did not start a padviz worker: {exc}")
            else:
                self._note(f"padviz: ignored a line from the worker: {exc}")
            return
        if self.hello is None:
            self._handshake(report)
        elif isinstance(report, Pong):
            sent = self._pings.pop(report.token, None)
            if sent is not None:
                self.latency_ms = (time.monotonic() - sent) * 1e3
        else:
            self._reports.put(report)

    def _handshake(self, report: Report) -> None:
        if not isinstance(report, Hello):
            self._refuse(
                f"`{self.target.text}` did not start a padviz worker: its first message was "
                f"{type(report).__name__}, not Hello"
            )
            return
        if report.protocol != PROTOCOL_VERSION:
            import padviz

            self._refuse(
                f"{self.target.host} has padviz {report.padviz_version} (worker protocol "
                f"{report.protocol}); this padviz {padviz.__version__} speaks protocol "
                f"{PROTOCOL_VERSION}: install the same padviz version on both machines"
            )
            return
        with self._lock:
            if self._stopping:
                return
            self.hello = report
            if self._begin is None:  # a probe: the handshake was all it wanted
                self._stopping = True
                self._write(Quit())
                self._close_stdin()
                return
            for command in (self._begin, *self._pending):
                self._write(command)
            self._pending.clear()
            self._started = True

    def _read_stderr(self) -> None:
        process = self._process
        assert process is not None and process.stderr is not None
        with contextlib.suppress(OSError, ValueError):
            for line in read_lines(process.stderr, STDERR_LINE_CHARS):
                if isinstance(line, Oversized):
                    self._note(f"(a line of {line.size} characters)")
                else:
                    self._note(line.decode("utf-8", "replace"))

    # -- helpers -----------------------------------------------------------------------------
    def _write(self, command: Command) -> bool:
        process = self._process
        try:
            with self._write_lock:
                assert process is not None and process.stdin is not None
                process.stdin.write(encode(command))
                process.stdin.flush()
        except (OSError, ValueError):  # the worker's stdin closed (it ended, or we closed it)
            return False
        return True

    def _ping(self) -> None:
        now = time.monotonic()
        if self._started and not self._stopping and now - self._pinged_at >= PING_S:
            self._pinged_at = now
            token = next(self._ping_tokens)
            self._pings = {t: s for t, s in self._pings.items() if now - s < 60.0}
            self._pings[token] = now
            self._write(Ping(token))

    def _refuse(self, message: str) -> None:
        """Give up on the worker: say `message` once it has ended, and make it end."""
        self._refusal = message
        self._close_stdin()
        timer = threading.Timer(2.0, self._end_transport)  # if it goes on regardless
        timer.daemon = True
        timer.start()

    def _end_transport(self) -> None:
        """Terminate, then kill, the transport process unless it has ended."""
        process = self._process
        if process is None:
            return
        for escalate in (process.terminate, process.kill):
            if process.poll() is not None:
                return
            escalate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(0.25)

    def _close_stdin(self) -> None:
        process = self._process
        with contextlib.suppress(OSError, ValueError), self._write_lock:
            if process is not None and process.stdin is not None:
                process.stdin.close()

    def _note(self, text: str) -> None:
        self._stderr.append(text.rstrip()[:STDERR_LINE_CHARS])

    def _ended_message(self, code: int | None) -> str:
        if self._refusal is not None:
            message = self._refusal
        elif self.hello is None:
            message = (
                f"the remote worker did not start: `{self.target.text}` exited with code {code}"
            )
        else:
            message = f"the connection to {self.host} was lost (exit code {code})"
        lines = [line for line in self._stderr if line.strip()]
        if lines:
            message += "; its stderr said:\n" + "\n".join(lines)
        elif self._refusal is None:
            message += " and printed nothing on stderr"
        return message

    def _close_pipes(self) -> None:
        process = self._process
        if process is None:
            return
        streams: list[IO[Any] | None] = [process.stdin, process.stdout, process.stderr]
        for stream in streams:
            if stream is not None and not any(t.is_alive() for t in self._threads):
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
