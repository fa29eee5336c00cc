"""A disk that is full when a run starts: writing the holder line into the run directory's
lock ended mia-train (and mia-attack) in an OSError traceback ('No space left on device'
from os.pwrite), the only write of a run not done through atomic_write. Now it is the
`DataError` naming the lock, one line, as for results.json."""

from __future__ import annotations

import errno
import os

import pytest

from mia_defense.errors import DataError
from mia_defense.tracking.run_dir import claim_run_dir


def test_a_full_disk_at_the_lock_is_one_line_naming_it(tmp_path, monkeypatch):
    def full(fd, data, offset):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    run_dir = tmp_path / "run"
    with pytest.raises(DataError) as exc, claim_run_dir(run_dir):
        pytest.fail("the run went on")
    assert str(exc.value) == (
        f"{run_dir / '.lock'}: cannot write it (No space left on device); free disk space or "
        "choose a writable run directory (hydra.run.dir=...)"
    )
