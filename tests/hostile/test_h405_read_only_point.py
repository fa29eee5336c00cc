"""h405: a sweep's point whose run folder is on a read-only file system (a finished sweep's
folder mounted read-only, then the same mia-train -m again) was refused with
"DataError: DIR: cannot use it as the run directory (Read-only file system); point
hydra.run.dir (or hydra.sweep.dir) at a writable directory", and the sweep's end listed it
under "fix the value and run the same command again": there is no value to fix. It is now
told, as a point that could not write a file, to do as its line says."""

from __future__ import annotations

import errno
import os

import pytest

import mia_defense.tracking.run_dir as run_dir
from mia_defense.cli.sweep_refusals import print_refused
from mia_defense.errors import DataError
from tests.conftest import TINY
from tests.helpers import FAST, mia_train

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())
FIX = "fix the value and run the same command again"


def _read_only_said(tmp_path, monkeypatch) -> str:
    def read_only(path, *args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    with monkeypatch.context() as patched:
        patched.setattr(os, "open", read_only)
        with pytest.raises(DataError) as refused, run_dir.claim_run_dir(tmp_path / "s1"):
            pass
    return f"DataError: {refused.value}"


def test_the_sweep_end_says_no_value_to_fix(tmp_path, monkeypatch, capsys):
    said = _read_only_said(tmp_path, monkeypatch)
    assert "cannot use it as the run directory (Read-only file system)" in said, said
    print_refused([(tmp_path / "s1", said)], nothing="nothing was run there", fix=FIX)
    out = capsys.readouterr().out
    assert FIX not in out, out
    assert "each could not write a file there: do as its line says" in out, out
    print_refused([(tmp_path / "s1", said), (tmp_path / "s2", "ConfigError: train.lr=-1")],
                  nothing="nothing was run there", fix=FIX)
    assert "(1 of them: nothing to fix, a file could not be written" in capsys.readouterr().out


def test_mia_train_sweep_with_a_read_only_point(tmp_path, monkeypatch):
    claim = run_dir.claim_run_dir

    def read_only_s1(folder):  # (claim_run_dir's refusal on EROFS, for s1 alone)
        if os.path.basename(folder) == "s1":
            raise DataError(f"{folder}: cannot use it as the run directory (Read-only file "
                            "system); point hydra.run.dir (or hydra.sweep.dir) at a writable "
                            "directory")
        return claim(folder)

    monkeypatch.setattr("mia_defense.cli.build.claim_run_dir", read_only_s1)
    done = mia_train("-m", *RUN, "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}",
                     "seed=1", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert "cannot use it as the run directory (Read-only file system)" in done.stdout
    assert FIX not in done.stdout, done.stdout
