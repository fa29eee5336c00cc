"""h585: a model store key's lock (<cache_dir>/<key>.lock) held after its writer was killed
(SIGKILL, the OOM killer) by a process the writer forked that keeps the lock open, its line
naming a pid this host no longer has. A run of the same key (mia-train ... cache_dir=DIR)
waited for ever, saying only 'waiting for pid N on HOST since T, which trains the same
target models' at INFO: pid N is gone, nothing ends the wait. Said now once at WARNING, as
a run folder's refusal says it (`held_log.held_by_a_gone_writer`): the line names a gone
process, the lock is held by one it started, end that one (fuser -v <lock> names it)."""

from __future__ import annotations

import logging
import os
import time

from mia_defense.cli.held_log import GONE_HOLDER
from mia_defense.store import ModelStore
from tests.hostile._locks import gone_pid, hold_lock, let_go_at_the_wait, line_of, since_of

DIGEST = "a" * 64


def test_a_gone_writers_lock_is_said_once_at_warning_with_what_to_end(
    tmp_path, monkeypatch, caplog
):
    root = tmp_path / "store"
    line = line_of(gone_pid())
    fd = hold_lock(root / f"{DIGEST}.lock", line)
    let_go_at_the_wait(monkeypatch, fd)
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
    line = line_of(os.getpid(), since_of(time.time()))  # (this process started before)
    fd = hold_lock(root / f"{DIGEST}.lock", line)
    let_go_at_the_wait(monkeypatch, fd)
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        with ModelStore(root)._locked(DIGEST, what="target models"):
            pass
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert f"waiting for {line}, which trains the same target models" in caplog.text


def test_the_sweeps_end_looks_for_the_words_said():
    """held_log keeps its own copy (it is loaded before any run, run_dir is not)."""
    from mia_defense.tracking import run_dir

    assert GONE_HOLDER == run_dir.GONE_HOLDER
