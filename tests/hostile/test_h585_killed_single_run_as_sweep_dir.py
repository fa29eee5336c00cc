"""h585: a killed single run's folder (mia-train hydra.run.dir=X, killed before it finished:
.lock, checkpoints/, train.log, no results.json yet) given as a sweep's folder (mia-train -m
... hydra.sweep.dir=X) was refused as 'holds files that are not mia-train's (.lock,
checkpoints, train.log)': they are mia-train's. Said now as what the folder is (a single
run, killed before it finished) and what to do (resume it with hydra.run.dir=X, or choose
another hydra.sweep.dir)."""

from __future__ import annotations

import os
import socket

from tests.conftest import TINY
from tests.helpers import hold_run_lock, mia_train

FOREIGN = "holds files that are not mia-train's"


def tree(root) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes()
            for path in sorted(root.rglob("*")) if path.is_file()}  # fmt: skip


def _killed_run(folder):
    """A single run's folder whose writer was killed before its results.json."""
    (folder / "checkpoints").mkdir(parents=True)
    (folder / "checkpoints" / "model_0.pt").write_bytes(b"weights")
    (folder / "train.log").write_text("[INFO] training\n")
    (folder / ".lock").write_text(f"pid 999999999 on {socket.gethostname()} since T\n")


def test_a_killed_single_runs_folder_as_sweep_dir_is_named_so(tmp_path):
    run = tmp_path / "run"
    _killed_run(run)
    before = tree(tmp_path)
    done = mia_train("-m", *TINY, f"hydra.sweep.dir={run}", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-3000:]
    assert FOREIGN not in done.stderr, done.stderr[-3000:]
    assert (f"ConfigError: hydra.sweep.dir={run} is a single run's folder (.lock, checkpoints, "
            "train.log; no results.json yet), killed before it finished; nothing was changed. "
            f"Resume that run with the same command without -m and hydra.run.dir={run} in "
            "place of hydra.sweep.dir, or choose another hydra.sweep.dir for the sweep"
            ) in done.stderr, done.stderr[-3000:]  # fmt: skip
    assert tree(tmp_path) == before


def test_a_single_run_going_there_is_said_in_use(tmp_path):
    run = tmp_path / "run"
    _killed_run(run)
    fd = hold_run_lock(run)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since T\n".encode(), 0)
    try:
        done = mia_train("-m", *TINY, f"hydra.sweep.dir={run}", cwd=tmp_path)
    finally:
        os.close(fd)
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"hydra.sweep.dir={run} is a single run's folder (.lock, checkpoints, train.log; "
            f"no results.json yet), in use by pid {os.getpid()} on {socket.gethostname()} "
            "since T (a run going there now); nothing was changed. Choose another "
            "hydra.sweep.dir for the sweep") in done.stderr, done.stderr[-3000:]  # fmt: skip
