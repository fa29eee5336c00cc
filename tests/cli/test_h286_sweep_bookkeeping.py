"""Leftovers of sweeps' bookkeeping (h286).

A point of ``mia-train -m`` whose results could not be written (a full disk, a read-only
folder) was told to 'choose a writable run directory (hydra.run.dir=...)', a setting a
sweep's points do not read: their folders are hydra.sweep.dir's."""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path

import pytest

import mia_defense.cli.build as build
from tests.helpers import mia_train


@pytest.mark.parametrize(
    ("mode", "folder", "advice"),
    [(("-m",), "hydra.sweep.dir=s", "choose a writable sweep directory (hydra.sweep.dir=...)"),
     ((), "hydra.run.dir=s", "choose a writable run directory (hydra.run.dir=...)")],
    ids=["sweep", "single"],
)  # fmt: skip
def test_a_write_that_failed_names_the_setting_of_the_runs_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: tuple[str, ...], folder: str, advice: str
) -> None:
    from mia_defense.files import atomic_write

    @contextlib.contextmanager
    def full(cfg, run_dir, **kwargs):
        def write(handle: object) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        atomic_write(run_dir / "results.json", write)
        yield  # (never reached)

    monkeypatch.setattr(build, "claimed_run", full)
    done = mia_train(*mode, "train.lr=0.1", folder, "progress=false", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert f"No space left on device); free disk space or {advice}" in done.stderr
    other = "hydra.run.dir" if "sweep" in advice else "hydra.sweep.dir"
    assert other not in done.stderr.split("cannot write it")[1].splitlines()[0]
