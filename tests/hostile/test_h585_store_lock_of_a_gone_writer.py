"""h585: a model store key's lock (<cache_dir>/<key>.lock) held after its writer was killed
(SIGKILL, the OOM killer) by a process the writer forked that keeps the lock open, its line
naming a pid this host no longer has. A run of the same key (mia-train ... cache_dir=DIR)
waited for ever, saying only 'waiting for pid N on HOST since T, which trains the same
target models' at INFO: pid N is gone, nothing ends the wait. Said now once at WARNING, as
a run folder's refusal says it (`held_log.held_by_a_gone_writer`): the line names a gone
process, the lock is held by one it started, end that one (fuser -v <lock> names it)."""

from __future__ import annotations

import fcntl
import logging
import os
import socket

import mia_defense.store as store
from mia_defense.cli.held_log import GONE_HOLDER
from mia_defense.store import ModelStore

DIGEST = "a" * 64


def _gone_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def _hold(lock, line: str) -> int:
    """``lock`` held exclusively by a descriptor of this process, reading ``line``."""
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.pwrite(fd, f"{line}\n".encode(), 0)
    return fd


def _wait_ends_when_the_holder_lets_go(monkeypatch, fd: int) -> None:
    """The store's blocking wait ends at once: the holder's descriptor is closed just before
    it (the user ended the process keeping the lock)."""
    real = fcntl.flock

    def flock(target: int, operation: int) -> None:
        if operation == fcntl.LOCK_EX:  # (the wait, not the probe: no LOCK_NB)
            os.close(fd)
        real(target, operation)

    monkeypatch.setattr(store.fcntl, "flock", flock)


def test_a_gone_writers_lock_is_said_once_at_warning_with_what_to_end(
    tmp_path, monkeypatch, caplog
):
    root = tmp_path / "store"
    line = f"pid {_gone_pid()} on {socket.gethostname()} since 2026-12-08 00:00:00"
    fd = _hold(root / f"{DIGEST}.lock", line)
    _wait_ends_when_the_holder_lets_go(monkeypatch, fd)
    waiting: dict = {}
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        with ModelStore(root)._locked(DIGEST, what="target models", waiting=waiting):
            pass
    warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warned) == 1, caplog.text
    said = warned[0]
    assert f"its lock's line ({line}) {GONE_HOLDER} (killed)" in said, said
    assert f"fuser -v {root / DIGEST}.lock" in said and "target models" in said, said
    assert not [r for r in caplog.records if r.getMessage().startswith("waiting for")]
    assert "waiting_for" not in waiting


def test_a_live_holder_is_waited_for_at_info(tmp_path, monkeypatch, caplog):
    root = tmp_path / "store"
    line = f"pid {os.getpid()} on {socket.gethostname()} since 2026-12-08 00:00:00"
    fd = _hold(root / f"{DIGEST}.lock", line)
    _wait_ends_when_the_holder_lets_go(monkeypatch, fd)
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        with ModelStore(root)._locked(DIGEST, what="target models"):
            pass
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert f"waiting for {line}, which trains the same target models" in caplog.text


def test_the_sweeps_end_looks_for_the_words_said():
    """held_log keeps its own copy (it is loaded before any run, run_dir is not)."""
    from mia_defense.tracking import run_dir

    assert GONE_HOLDER == run_dir.GONE_HOLDER
