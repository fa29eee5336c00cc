"""Red team 7: launching mia-train. Launchers that cannot run here, values the config checks
left to the model builder, bad values refused fast, a log that cannot be written, and
overrides that would silently do nothing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import TINY
from tests.helpers import mia_train


def _commands(folder: Path, **scripts: str) -> Path:
    """A folder of executable shell scripts ``name: body``, for PATH."""
    folder.mkdir()
    for name, body in scripts.items():
        path = folder / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return folder


@pytest.mark.parametrize("select", ["launcher=submitit_slurm", "hydra/launcher=submitit_slurm"])
def test_a_slurm_sweep_without_slurm_is_one_line(tmp_path, monkeypatch, select):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    monkeypatch.setenv("PATH", str(_commands(tmp_path / "bin")))  # no sbatch, no srun
    done = mia_train("-m", *TINY, select, "seed=1,2", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "launcher=submitit_slurm" in done.stderr and "'sbatch'" in done.stderr
    assert "launcher=submitit_local" in done.stderr and "nothing was run" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_a_slurm_sweep_that_sbatch_refuses_is_one_line(tmp_path, monkeypatch):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    fail = "echo 'sbatch: fatal: Could not establish a configuration source' >&2; exit 1"
    monkeypatch.setenv("PATH", str(_commands(tmp_path / "bin", sbatch=fail, srun="exit 0")))
    done = mia_train("-m", *TINY, "launcher=submitit_slurm", "seed=1,2",
                     "hydra.sweep.dir=sweep", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert "ConfigError: launcher=submitit_slurm: sbatch refused the sweep's jobs (sbatch: " \
        "fatal: Could not establish a configuration source); no run was submitted" in done.stderr
    assert not list((tmp_path / "sweep").glob("*/results.json"))
