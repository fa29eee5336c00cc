"""h459: a finished sweep whose run folders were kept read-only (chmod -R a-w SWEEP/*, the
sweep's own folder writable), run again with the same command as a user other than root:
each point was refused 'R/p: cannot use it as the run directory (Permission denied); point
hydra.run.dir (or hydra.sweep.dir) at a writable directory', as for any folder, not that it
held the finished run asked for nor how to read it without writing (the sweep's own folder
kept read-only is told so before anything runs: test_h420_read_only_sweep). Now the point's
refusal says so, as that one does. A read-only folder of no run is told as before."""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
from pathlib import Path

import pytest

from mia_defense.errors import DataError
from mia_defense.tracking.run_dir import claim_run_dir
from tests.conftest import TINY
from tests.helpers import FAST, as_unprivileged, checkout_open_to_others, mia_train

RUN = list({arg.split("=")[0]: arg for arg in [*TINY, *FAST]}.values())

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="POSIX permissions, checked as a user other than root",
)


@pytest.fixture
def root():
    root = Path(tempfile.mkdtemp(prefix="mia-h459-"))  # (pytest's tmp_path: root's only)
    root.chmod(0o777)
    yield root
    for folder in (root, *root.rglob("*")):
        if folder.is_dir():
            folder.chmod(0o755)
    shutil.rmtree(root)


def _claimed(run_dir: Path) -> str:
    """What claim_run_dir says of ``run_dir``, as a user other than root."""

    def claim() -> str:
        try:
            with claim_run_dir(run_dir):
                return "claimed"
        except DataError as exc:
            return str(exc)

    return as_unprivileged(claim)


def _point(root: Path, *, finished: bool) -> Path:
    run_dir = root / "train.lr=0.01,seed=0"
    run_dir.mkdir()
    if finished:
        (run_dir / "results.json").write_text("{}")
        (run_dir / "results.json").chmod(0o444)
    run_dir.chmod(0o555)
    return run_dir


def test_a_read_only_finished_point_says_how_to_read_it(root):
    run_dir = _point(root, finished=True)
    said = _claimed(run_dir)
    assert said.startswith(f"{run_dir}: cannot use it as the run directory (Permission "
                           "denied); it holds a run, and a run's folder is written even to "
                           "skip it as finished"), said
    assert f"mia-report {shlex.quote(str(run_dir))} --out DIR" in said
    assert f"chmod -R u+w {shlex.quote(str(run_dir))}" in said
    assert sorted(p.name for p in run_dir.iterdir()) == ["results.json"]


def test_a_read_only_folder_of_no_run_is_told_as_before(root):
    run_dir = _point(root, finished=False)
    said = _claimed(run_dir)
    assert said == (f"{run_dir}: cannot use it as the run directory (Permission denied); "
                    "point hydra.run.dir (or hydra.sweep.dir) at a writable directory")


@pytest.mark.skipif(not checkout_open_to_others(),
                    reason="the whole run as nobody reads this checkout's configs")
def test_a_sweep_of_read_only_finished_points_run_again(root):
    """The whole sweep, as nobody: each point told as above, and no log file of a point
    tried (its 'cannot write the log file' line, then the end's 'the log file(s) ... could
    not be written ... Point hydra.job_logging.handlers.file.filename at a writable file':
    nothing to point elsewhere); nothing in the folders changes."""
    import hashlib

    args = ("-m", *RUN, f"hydra.sweep.dir={root / 'sweep'}", "hydra.sweep.subdir=s${seed}",
            "seed=1")
    done = mia_train(*args, cwd=root)
    assert done.returncode == 0, done.stderr[-3000:]
    point = root / "sweep" / "s1"
    for path in sorted(point.rglob("*"), reverse=True):
        path.chmod(0o555 if path.is_dir() else 0o444)
    point.chmod(0o555)
    (root / "sweep").chmod(0o777)

    def hashes() -> dict[str, str]:
        return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in point.rglob("*") if p.is_file()}  # fmt: skip

    before = hashes()

    def again() -> str:
        done = mia_train(*args, cwd=root)
        return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"

    said = as_unprivileged(again)
    assert said.startswith("exit 2"), said[-3000:]
    assert f"{point}: cannot use it as the run directory (Permission denied); it holds a run" \
        in said, said[-3000:]
    assert "log file" not in said, said[-3000:]
    assert hashes() == before
