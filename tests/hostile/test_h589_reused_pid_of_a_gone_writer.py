"""h589: a model store key's lock (<cache_dir>/<key>.lock) held after its writer was killed,
by a process the writer forked that keeps it open, whose line names a pid this host has
given since to another process (pid reuse). A run of the same key (mia-train ...
cache_dir=DIR) said 'waiting for pid N on HOST since T, which trains the same target
models' at INFO, for ever: pid N is alive, but it is not the writer. A process that started
after the lock was taken (/proc/PID/stat's start against the line's time and the file's
last write) cannot be its writer: said now as for a gone pid, once at WARNING, with what
to end. A live writer, started before, is still waited for at INFO, even where its line's
time reads hours early (written in another time zone). A run folder's lock is read the same
way (`held_log.held_by_a_gone_writer` through `run_dir.gone_holder`): mia-train
hydra.run.dir=X said 'X is in use by pid N ...; wait for that run to end' for ever."""

from __future__ import annotations

import logging
import os

from mia_defense.cli.held_log import GONE_HOLDER, GONE_WRITERS_RUN, held_by_a_gone_writer
from mia_defense.store import ModelStore
from tests.hostile._locks import an_hour_ago, hold_lock, let_go_at_the_wait, line_of, live_pid

DIGEST = "b" * 64


def _waited(root, fd: int, monkeypatch, caplog) -> list[logging.LogRecord]:
    """The store's wait for ``root``'s lock of `DIGEST` (held by ``fd``), which ends at once
    (`let_go_at_the_wait`): its log."""
    let_go_at_the_wait(monkeypatch, fd)
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        with ModelStore(root)._locked(DIGEST, what="target models"):
            pass
    return caplog.records


def test_a_reused_pid_in_a_store_lock_is_said_gone(tmp_path, monkeypatch, caplog):
    root = tmp_path / "store"
    since, then = an_hour_ago()
    with live_pid() as pid:  # (started now: the lock was taken an hour ago)
        line = line_of(pid, since)
        fd = hold_lock(root / f"{DIGEST}.lock", line, written=then)
        records = _waited(root, fd, monkeypatch, caplog)
    warned = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(warned) == 1, caplog.text
    assert f"its lock's line ({line}) {GONE_HOLDER} (killed)" in warned[0], warned[0]
    assert f"fuser -v {root / DIGEST}.lock" in warned[0], warned[0]
    assert not [r for r in records if r.getMessage().startswith("waiting for")]


def test_a_live_writer_whose_line_reads_hours_early_is_waited_for(
    tmp_path, monkeypatch, caplog
):
    """Its line written an hour ahead of this process's time zone: the file's last write
    (now, after the writer started) says it took the lock after it started."""
    root = tmp_path / "store"
    since, _ = an_hour_ago()
    with live_pid() as pid:
        line = line_of(pid, since)
        fd = hold_lock(root / f"{DIGEST}.lock", line)
        records = _waited(root, fd, monkeypatch, caplog)
    assert not [r for r in records if r.levelno >= logging.WARNING], caplog.text
    assert f"waiting for {line}, which trains the same target models" in caplog.text


def test_a_reused_pid_in_a_run_folders_lock_is_said_gone(tmp_path):
    since, then = an_hour_ago()
    with live_pid() as pid:
        line = line_of(pid, since)
        fd = hold_lock(tmp_path / ".lock", line, written=then)
        try:
            said = held_by_a_gone_writer(tmp_path, then=GONE_WRITERS_RUN)
        finally:
            os.close(fd)
    assert said is not None and said.startswith(
        f"{tmp_path} is in use by another process: its lock's line ({line}) {GONE_HOLDER} "
        "(killed)"), said
    assert f"fuser -v {tmp_path}/.lock" in said and said.endswith(GONE_WRITERS_RUN), said


def test_a_run_folders_live_writer_is_not_said_gone(tmp_path):
    since, _ = an_hour_ago()
    with live_pid() as pid:
        fd = hold_lock(tmp_path / ".lock", line_of(pid, since))
        try:
            assert held_by_a_gone_writer(tmp_path, then=GONE_WRITERS_RUN) is None
        finally:
            os.close(fd)
