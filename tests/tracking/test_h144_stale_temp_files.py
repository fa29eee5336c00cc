"""A run killed while writing (SIGKILL, the OOM killer) left atomic_write's temporary file
(``.observations.npz.<pid>.<hex>.tmp``, ``checkpoints/.model_0001.pt.<pid>.<hex>.tmp``) in
its folder, and every killed attempt added one: the next run in that folder, holding its
lock, removes those whose process is gone, and nothing else."""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mia_defense.files import atomic_write, stale_temp_files
from mia_defense.tracking.run_dir import claim_run_dir


def _dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"partial")
    return path


def test_temp_files_of_dead_writers_are_removed_on_the_next_claim(tmp_path, caplog):
    dead = _dead_pid()
    gone = [_touch(tmp_path / f".observations.npz.{dead}.d9dc5272.tmp"),
            _touch(tmp_path / "checkpoints" / f".model_0001.pt.{dead}.e2196fd2.tmp"),
            _touch(tmp_path / "checkpoints_undefended" / f".model_0000.pt.{dead}.0a1b2c3d.tmp")]
    with caplog.at_level(logging.INFO, logger="mia_defense.tracking.run_dir"):
        with claim_run_dir(tmp_path):
            pass
    assert not any(path.exists() for path in gone)
    lines = [r.getMessage() for r in caplog.records if "temporary files" in r.getMessage()]
    assert len(lines) == 1
    assert f".observations.npz.{dead}.d9dc5272.tmp" in lines[0]
    assert f"checkpoints/.model_0001.pt.{dead}.e2196fd2.tmp" in lines[0]


def test_only_atomic_writes_names_of_dead_processes_are_removed(tmp_path):
    dead = _dead_pid()
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as alive:
        try:
            kept = [
                _touch(tmp_path / f".results.json.{os.getpid()}.0123abcd.tmp"),  # this process
                _touch(tmp_path / f".scores.npz.{alive.pid}.0123abcd.tmp"),  # a live one
                _touch(tmp_path / f"observations.npz.{dead}.0123abcd.tmp"),  # no leading dot
                _touch(tmp_path / f".observations.npz.{dead}.0123ABCD.tmp"),  # not its hex
                _touch(tmp_path / f".observations.npz.{dead}.0123abc.tmp"),
                _touch(tmp_path / f".observations.npz.{dead}.0123abcd.tmp.bak"),
                _touch(tmp_path / ".x.tmp"),
                _touch(tmp_path / "notes.tmp"),
                _touch(tmp_path / "tb" / f".events.{dead}.0123abcd.tmp"),  # not a folder of ours
            ]
            target = _touch(tmp_path.parent / f"{tmp_path.name}-target")
            link = tmp_path / f".results.json.{dead}.0123abcd.tmp"
            link.symlink_to(target)
            folder = tmp_path / f".scores.npz.{dead}.0123abcd.tmp"
            folder.mkdir()
            with claim_run_dir(tmp_path):
                pass
        finally:
            alive.kill()
    assert all(path.exists() for path in kept)
    assert link.is_symlink() and target.exists() and folder.is_dir()


def test_a_temp_file_being_written_is_not_a_stale_one(tmp_path):
    seen = []

    def write(handle):
        seen.extend(stale_temp_files(tmp_path))
        handle.write(b"data")

    atomic_write(tmp_path / "results.json", write)
    assert seen == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.json"]


def test_nothing_is_removed_without_a_lock(tmp_path, monkeypatch):
    """Where the file system gives no locks, another run may be writing in the folder (from
    another machine, whose process ids mean nothing here)."""
    def flock(fd, operation):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", flock)
    tmp = _touch(tmp_path / f".observations.npz.{_dead_pid()}.d9dc5272.tmp")
    with claim_run_dir(tmp_path):
        pass
    assert tmp.exists()


@pytest.mark.parametrize("name", ["checkpoints", "checkpoints_undefended"])
def test_a_linked_checkpoint_folder_is_not_cleaned(tmp_path, name):
    elsewhere = tmp_path / "elsewhere"
    tmp = _touch(elsewhere / f".model_0000.pt.{_dead_pid()}.0a1b2c3d.tmp")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    (run_dir / name).symlink_to(elsewhere)
    with claim_run_dir(run_dir):
        pass
    assert tmp.exists()


def test_a_claim_refused_for_a_held_folder_removes_nothing(tmp_path):
    from mia_defense.errors import ConfigError

    with claim_run_dir(tmp_path):
        tmp = _touch(tmp_path / f".observations.npz.{_dead_pid()}.d9dc5272.tmp")
        with pytest.raises(ConfigError, match="is in use by"):
            with claim_run_dir(tmp_path):
                pass
        assert tmp.exists()
