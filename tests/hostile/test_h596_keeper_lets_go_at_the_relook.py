"""h596: a lock whose line names a gone pid of this host is looked at twice, `RELOOK_S`
apart (`run_dir.gone_holder`), before its keeper is said to be a process the gone writer
forked. Since 09fe22b5 the second look read the line again only, not whether the lock was
still held: a keeper that let go within those 0.2 s (the user ended it; the run it kept
ended) had mia-train hydra.run.dir=X refused once, 'X is in use by another process: its
lock's line ... names a process of this host that is gone', though X was free, and the
model store warned of a process to end that no longer held its key. The second look asks
the lock again. Here the keeper (a descriptor of this process) lets go in that sleep."""

from __future__ import annotations

import logging
import os
import time

import mia_defense.tracking.run_dir as run_dir
from mia_defense.cli.held_log import GONE_WRITERS_RUN, held_by_a_gone_writer
from mia_defense.store import ModelStore
from tests.hostile._locks import gone_pid, hold_lock, line_of

DIGEST = "c" * 64


def _let_go_at_the_relook(monkeypatch, fd: int) -> list[float]:
    """Make `gone_holder`'s sleep between its two looks close ``fd`` (the keeper lets go):
    the sleeps asked for."""
    real, slept = time.sleep, []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if seconds == run_dir.RELOOK_S and len(slept) == 1:
            os.close(fd)
        else:
            real(seconds)

    monkeypatch.setattr(run_dir.time, "sleep", sleep)
    return slept


def test_a_run_folder_let_go_at_the_second_look_is_not_refused(tmp_path, monkeypatch):
    fd = hold_lock(tmp_path / ".lock", line_of(gone_pid()))
    slept = _let_go_at_the_relook(monkeypatch, fd)
    assert held_by_a_gone_writer(tmp_path, then=GONE_WRITERS_RUN) is None
    assert slept[:1] == [run_dir.RELOOK_S]  # (the keeper was seen on the first look)


def test_a_store_lock_let_go_at_the_second_look_is_not_said_kept(tmp_path, monkeypatch, caplog):
    root = tmp_path / "store"
    line = line_of(gone_pid())
    fd = hold_lock(root / f"{DIGEST}.lock", line)
    slept = _let_go_at_the_relook(monkeypatch, fd)
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        with ModelStore(root)._locked(DIGEST, what="target models"):
            pass
    assert slept[:1] == [run_dir.RELOOK_S]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert f"waiting for {line}, which trains the same target models" in caplog.text
