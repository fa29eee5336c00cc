"""A σ cache writer killed as it saved left its temporary file (~300 bytes) in the cache's
sigma/ folder, which nothing removed: each such death added one. A σ saved later removes
those of writers that are gone (no live process of that id) and were last written over a
day ago; a fresh one is kept, as it may be a save in progress on another machine sharing
the home folder (its process id means nothing here), and so is one of a live process
(helper h202)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mia_defense.defenses.accounting import SIGMA_CACHE_ENV, noise_multiplier_for

FAST = ("gdp", 2.0, 1e-4, 0.1, 40)  # (GDP's accountant: a search in milliseconds)
DAY = 86400


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", ""])
    child.wait()
    return child.pid


def _left(folder: Path, pid: int, hexed: str, *, age: float) -> Path:
    path = folder / f".0123456789abcdef0123456789abcdef.json.{pid}.{hexed}.tmp"
    path.write_text('{"accountant": "rdp", "de')  # cut where the writer was killed
    os.utime(path, (time.time() - age, time.time() - age))
    return path


@pytest.fixture
def sigma_folder(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv(SIGMA_CACHE_ENV, str(tmp_path / "cache"))
    noise_multiplier_for.cache_clear()
    (tmp_path / "cache" / "sigma").mkdir(parents=True)
    yield tmp_path / "cache" / "sigma"
    noise_multiplier_for.cache_clear()


def test_a_saved_sigma_removes_day_old_temp_files_of_dead_writers(sigma_folder):
    dead = _dead_pid()
    gone = _left(sigma_folder, dead, "0a1b2c3d", age=2 * DAY)
    fresh = _left(sigma_folder, dead, "1a1b2c3d", age=60)  # another machine's, maybe
    alive = _left(sigma_folder, os.getpid(), "2a1b2c3d", age=2 * DAY)
    other = sigma_folder / f"notes.{dead}.3a1b2c3d.tmp"  # no name atomic_write gives
    other.write_text("mine")
    os.utime(other, (time.time() - 2 * DAY, time.time() - 2 * DAY))
    noise_multiplier_for(*FAST)
    assert not gone.exists()
    assert fresh.exists() and alive.exists() and other.exists()
    assert len(list(sigma_folder.glob("*.json"))) == 1  # the σ itself was kept
