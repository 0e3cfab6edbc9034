"""Running a command under ``mltrace run``: signals forwarded, stderr passed through with its tail kept.

Signals. The command runs in our process group, so whatever signals the whole group reaches it directly: Ctrl-C
and Ctrl-Z at a terminal (the kernel sends them to every process of the foreground group), or a supervisor that
kills the group. A SIGINT or SIGTERM sent to ``mltrace`` alone (``kill PID``, ``timeout``, a container runtime)
is forwarded to the command. To tell the two apart we block both signals and take them with ``sigtimedwait``,
which says who sent each: the terminal's come from the kernel (``SI_KERNEL``) and are not forwarded again, since
a second Ctrl-C would cut short the command's own clean-up. A signal sent to the whole group by another process
reaches the command twice (directly, and forwarded); programs that treat a second SIGTERM as "exit now" exit now.

While the signals are blocked, Python's own handlers (KeyboardInterrupt) cannot run, so storing the run after
the command ended is never cut short by a stray signal; :class:`HeldSignals` takes them until the block ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO

# Linux's si_code for signals the kernel raised itself (the terminal driver's SIGINT/SIGQUIT/SIGTSTP).
SI_KERNEL = 0x80
FORWARDED = frozenset({signal.SIGINT, signal.SIGTERM})
# How much of stderr the run keeps as its failure message (the end of it: that is where errors are).
TAIL_LINES = 20
TAIL_CHARS = 2_000
# After the command ended, how long to wait for the rest of its stderr: a daemon it left behind may hold the
# pipe open for ever, and the run must not wait for that.
STDERR_GRACE_S = 2.0


@dataclass
class CommandResult:
    returncode: int  # as subprocess reports it: negative when a signal ended the command
    start_ns: int
    end_ns: int
    pid: int | None = None
    stderr_tail: str = ""
    signals: list[int] = field(default_factory=list)  # SIGINT/SIGTERM that reached us while it ran
    spawn_error: str | None = None

    @property
    def exit_status(self) -> int:
        """What a shell would report: the code, or 128 + N when signal N ended the command."""
        return 128 - self.returncode if self.returncode < 0 else self.returncode

    @property
    def succeeded(self) -> bool:
        return self.returncode == 0 and not self.signals and self.spawn_error is None


class HeldSignals:
    """SIGINT, SIGTERM and SIGCHLD blocked in this thread (and the threads it starts) until ``release``."""

    watched = FORWARDED | {signal.SIGCHLD}

    def __init__(self) -> None:
        self.previous_mask = signal.pthread_sigmask(signal.SIG_BLOCK, self.watched)
        self.received: list[int] = []

    def child_setup(self) -> None:
        """Runs in the forked child before exec: the command starts with the signal mask we were given."""
        signal.pthread_sigmask(signal.SIG_SETMASK, self.previous_mask)

    def wait(self, timeout_s: float) -> signal.struct_siginfo | None:
        info = signal.sigtimedwait(self.watched, timeout_s)
        if info is not None and info.si_signo in FORWARDED:
            self.received.append(info.si_signo)
        return info

    def release(self) -> None:
        # Signals that arrived after the command ended are dropped here: there is no one left to forward them to.
        while signal.sigtimedwait(FORWARDED, 0) is not None:
            pass
        signal.pthread_sigmask(signal.SIG_SETMASK, self.previous_mask)


@contextmanager
def held_signals() -> Iterator[HeldSignals]:
    held = HeldSignals()
    try:
        yield held
    finally:
        held.release()


def _tee(stream: IO[bytes], tail: deque[bytes], write: Callable[[bytes], object]) -> None:
    """Copy the command's stderr to ours as it comes, keeping its last lines."""
    pending = b""
    while chunk := stream.read1(65_536):  # type: ignore[attr-defined]
        with contextlib.suppress(OSError, ValueError):  # our stderr closed: keep collecting the tail regardless
            write(chunk)
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        tail.extend(lines)
        if len(pending) > TAIL_CHARS:
            pending = pending[-TAIL_CHARS:]
    if pending:
        tail.append(pending)


def _stderr_writer() -> Callable[[bytes], object]:
    fd = 2

    def write(chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]

    return write


def tail_text(lines: Sequence[bytes]) -> str:
    text = b"\n".join(line.rstrip(b"\r") for line in lines).decode("utf-8", "replace").strip()
    return text if len(text) <= TAIL_CHARS else "…" + text[-TAIL_CHARS:]


def run_command(argv: Sequence[str], env: dict[str, str], held: HeldSignals) -> CommandResult:
    """Run ``argv`` to its end, forwarding SIGINT/SIGTERM as the module docstring says."""
    start_ns = time.time_ns()
    try:
        proc = subprocess.Popen(list(argv), env=env, stderr=subprocess.PIPE, preexec_fn=held.child_setup)
    except OSError as exc:
        # A shell's codes: 127 not found, 126 found but not runnable.
        code = 127 if isinstance(exc, FileNotFoundError) else 126
        reason = exc.strerror or type(exc).__name__
        return CommandResult(
            returncode=code, start_ns=start_ns, end_ns=time.time_ns(), spawn_error=f"{argv[0]}: {reason}"
        )
    assert proc.stderr is not None
    tail: deque[bytes] = deque(maxlen=TAIL_LINES)
    reader = threading.Thread(target=_tee, args=(proc.stderr, tail, _stderr_writer()), daemon=True)
    reader.start()
    seen = len(held.received)
    while (returncode := proc.poll()) is None:
        info = held.wait(1.0)
        if info is None or info.si_signo not in FORWARDED:
            continue
        if info.si_code != SI_KERNEL:  # the terminal already sent it to the whole foreground group
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(info.si_signo)
    end_ns = time.time_ns()
    reader.join(STDERR_GRACE_S)
    return CommandResult(
        returncode=returncode,
        start_ns=start_ns,
        end_ns=end_ns,
        pid=proc.pid,
        stderr_tail=tail_text(list(tail)),
        signals=held.received[seen:],
    )


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
