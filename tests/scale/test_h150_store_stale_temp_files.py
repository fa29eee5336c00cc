"""A worker killed while writing a model store entry (SIGKILL, the OOM killer, a job's time
limit) left atomic_write's temporary file (``.<key>.pt.<pid>.<hex>.tmp``, as large as the
entry) in the store, and every killed writer added one: none was ever removed. The next
worker to take that key's lock removes those of its entry whose process is gone, and
nothing else."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

from mia_defense.store import ModelStore

KEY, OTHER = "a" * 64, "b" * 64


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial")
    return path


def test_the_keys_lock_removes_its_dead_writers_temp_files_only(tmp_path, caplog):
    root, dead = tmp_path / "store", _dead_pid()
    gone = [_touch(root / f".{KEY}.pt.{dead}.d9dc5272.tmp"),
            _touch(root / f".{KEY}.json.{dead}.e2196fd2.tmp")]
    kept = [
        _touch(root / f".{OTHER}.pt.{dead}.d9dc5272.tmp"),  # another key's: not under its lock
        _touch(root / f".{KEY}.pt.{os.getpid()}.0123abcd.tmp"),  # a live writer's
        _touch(root / f".{KEY}.lock.{dead}.0123abcd.tmp"),  # no file the entry writes
        _touch(root / f"{KEY}.pt.{dead}.0123abcd.tmp"),  # no leading dot
    ]
    store = ModelStore(root)
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        with store._locked(KEY, what="target models"):
            pass
    assert not any(path.exists() for path in gone)
    assert all(path.exists() for path in kept)
    lines = [r.getMessage() for r in caplog.records if "temporary file" in r.getMessage()]
    assert len(lines) == 1
    assert f".{KEY}.pt.{dead}.d9dc5272.tmp" in lines[0] and str(root) in lines[0]


def test_a_store_without_stale_files_says_nothing(tmp_path, caplog):
    store = ModelStore(tmp_path / "store")
    with caplog.at_level(logging.INFO, logger="mia_defense.store"):
        with store._locked(KEY, what="target models"):
            pass
    assert not [r for r in caplog.records if "temporary file" in r.getMessage()]
