"""h581: a sweep killed (SIGKILL, the whole process group) while its second of three runs
trains, then started again as a user would: the same command, the same with one more value,
and the same with a misspelt key. Nothing a finished run wrote is written again (its files'
digests and modification times; its train.log only grows, its lock's line is the new
holder's), the killed run is resumed, the runs not begun are run, and the misspelt command
changes nothing at all in the sweep's folder."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mia_defense.tracking import read_json
from tests.helpers import LEAN_ATTACKS, mia_train

pytestmark = pytest.mark.slow  # three tiny runs, killed, then run again: about 45 s

SWEEP = ("plan.num_models=2", "progress=false", "train.epochs=15", *LEAN_ATTACKS,
         "hydra.sweep.dir=sweep", "hydra.sweep.subdir=s${seed}")  # fmt: skip
# Rewritten by any run started in a folder, a finished one skipped included: its lock's
# holder line and its log (appended to; TensorBoard's HParams experiment config too).
_REWRITTEN = {".lock", "train.log"}


def _status(run: Path) -> str | None:
    try:
        return read_json(run / "results.json").get("status")
    except Exception:
        return None


def _files(folder: Path) -> dict[str, tuple[str, int]]:
    """Each file under ``folder``: (sha256, modification time in ns)."""
    return {str(path.relative_to(folder)): (hashlib.sha256(path.read_bytes()).hexdigest(),
                                            path.stat().st_mtime_ns)
            for path in sorted(folder.rglob("*")) if path.is_file()}  # fmt: skip


def _finished(run: Path) -> tuple[dict[str, tuple[str, int]], bytes]:
    """What a finished run's folder holds (`_files`), and its train.log."""
    return _files(run), (run / "train.log").read_bytes()


def _kept(before: tuple[dict[str, tuple[str, int]], bytes], run: Path) -> list[str]:
    """The files of ``before`` (`_finished`) that ``run`` no longer holds as they were
    (`_REWRITTEN` aside, the experiment config too; train.log where it only grew)."""
    files, log = before
    after = _files(run)
    changed = [name for name, was in files.items() if after.get(name) != was
               and name not in _REWRITTEN and not name.endswith(".experiment")]  # fmt: skip
    if not (run / "train.log").read_bytes().startswith(log):
        changed.append("train.log (not only appended to)")
    return changed


def _killed_in_the_second_run(tmp_path: Path) -> None:
    """``mia-train -m SWEEP seed=0,1,2`` in a session of its own, killed (SIGKILL to its
    group) once seed=1's run is training (its results.json reads running, a checkpoint
    folder made)."""
    tool = Path(sys.executable).with_name("mia-train")
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    started = subprocess.Popen([str(tool), "-m", *SWEEP, "seed=0,1,2"], cwd=tmp_path, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    second = tmp_path / "sweep" / "s1"
    try:
        deadline = time.monotonic() + 120
        while not (_status(second) == "running" and (second / "checkpoints").is_dir()):
            assert started.poll() is None, f"the sweep ended first ({started.returncode})"
            assert time.monotonic() < deadline, "seed=1's run never began"
            time.sleep(0.05)
    finally:
        os.killpg(started.pid, signal.SIGKILL)
        started.wait()


def test_a_killed_sweep_run_again_keeps_what_finished(tmp_path):
    _killed_in_the_second_run(tmp_path)
    sweep = tmp_path / "sweep"
    assert _status(sweep / "s0") == "complete" and _status(sweep / "s1") == "running"
    assert not (sweep / "s2").exists()
    first = _finished(sweep / "s0")

    done = mia_train("-m", *SWEEP, "seed=0,1,2", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert f"skipping finished run {sweep / 's0'}" in done.stderr
    assert "was killed before it finished): resuming it" in done.stderr
    assert [_status(sweep / f"s{seed}") for seed in range(3)] == ["complete"] * 3
    assert _kept(first, sweep / "s0") == []

    finished = {seed: _finished(sweep / f"s{seed}") for seed in range(3)}
    done = mia_train("-m", *SWEEP, "seed=0,1,2,3", cwd=tmp_path)  # one value added
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert _status(sweep / "s3") == "complete"
    assert {seed: _kept(kept, sweep / f"s{seed}") for seed, kept in finished.items()} == {
        0: [], 1: [], 2: []}

    everything = _files(sweep)
    done = mia_train("-m", *SWEEP, "seed=0,1,2,3", "train.epoch=15", cwd=tmp_path)  # misspelt
    assert done.returncode == 2 and "did you mean 'epochs'" in done.stderr, done.stderr[-3000:]
    assert _files(sweep) == everything
