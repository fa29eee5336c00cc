"""Locks as a run's writer leaves them, for the tests of a lock held after its writer is
gone (h420, h581, h585, h589): a pid this host no longer has, or one reused by another
process, and a lock file held by this process reading a given line."""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# A holder line's time, long before any test runs: see `hold_lock`'s ``written``.
SINCE = "2026-12-08 00:00:00"


def gone_pid() -> int:
    """A pid this host had a moment ago and no longer has (a child forked and reaped)."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


@contextmanager
def live_pid() -> Iterator[int]:
    """The pid of a process started now, ended (and reaped) on exit: a lock's writer whose
    pid was reused by it, where the lock was taken before."""
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


def line_of(pid: int, since: str = SINCE) -> str:
    """The line a writer of this host with ``pid`` writes in the lock it takes."""
    return f"pid {pid} on {socket.gethostname()} since {since}"


def hold_lock(lock: Path, line: str, *, written: float | None = None) -> int:
    """``lock`` held exclusively by a descriptor of this process (returned: the lock goes
    with ``os.close``), reading ``line``; ``written``: the file's time of last write (its
    line's writing, seconds since the epoch), now where not given. A process started after
    both the line's time and that is no writer of it (`run_dir.gone_writer`)."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{line}\n".encode(), 0)
    if written is not None:
        os.utime(fd, (written, written))
    return fd


def since_of(seconds: float) -> str:
    """The time ``seconds`` (since the epoch) as a lock's line says it (local time)."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def an_hour_ago() -> tuple[str, float]:
    """A lock's time an hour ago: as its line says it, and as seconds."""
    then = time.time() - 3600
    return since_of(then), then


def let_go_at_the_wait(monkeypatch, fd: int) -> None:
    """Make the model store's blocking wait for a key's lock end at once: the holder's
    descriptor ``fd`` closed just before it (the user ended the process keeping the lock)."""
    import mia_defense.store as store

    real = fcntl.flock

    def flock(target: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX:  # (the wait, not the probe: no LOCK_NB)
            os.close(fd)
        real(target, operation)

    monkeypatch.setattr(store.fcntl, "flock", flock)
