"""Sweeps submitted to SLURM for real (issue 19, points 2 and 3): `scripts/slurm_local.sh`
starts a one-node cluster on this machine (munged, slurmctld, slurmd on 127.0.0.1), a sweep
through `launcher=submitit_slurm` computes the basic launcher's numbers, and a sweep whose
driver is interrupted and whose jobs are cancelled resumes, skipping finished runs. Skipped,
with the script's reason, where SLURM cannot start (not root, not installed: `.ci/run`
installs it with `scripts/slurm_local.sh install`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mia_defense.tracking import read_json
from tests.scale.sweeps import (
    BIN,
    TINY,
    assert_same_results,
    complete,
    interrupt_after_a_run,
    mia_train,
    runs,
)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "slurm_local.sh"


def small_jobs(cpus: int) -> tuple[str, ...]:
    """Jobs of ``cpus`` CPUs and 1 GB: with 1, two jobs at once on a 2-core node."""
    return ("launcher=submitit_slurm", f"hydra.launcher.cpus_per_task={cpus}",
            "hydra.launcher.mem_gb=1", "hydra.launcher.timeout_min=20")  # fmt: skip

GRID = ("release=full,topk", "defense=[],[label_smoothing]")


def _free_port_pair() -> int:
    """A port p with p and p+1 free (slurmctld and slurmd)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture(scope="module")
def slurm() -> Iterator[dict[str, str]]:
    """A private one-node cluster (its own folder and ports); yields the environment that
    points SLURM's commands at it (SLURM_CONF)."""
    folder = tempfile.mkdtemp(prefix="slurm", dir="/tmp")
    env = {**os.environ, "MIA_SLURM_DIR": folder, "MIA_SLURM_PORT": str(_free_port_pair())}
    started = subprocess.run(
        ["bash", str(SCRIPT), "start"], env=env, capture_output=True, text=True, timeout=180,
        check=False,
    )  # fmt: skip
    try:
        if started.returncode != 0:
            reason = (started.stderr.strip().splitlines() or ["no output"])[-1]
            pytest.skip(f"SLURM cannot start here: {reason}")
        yield {**env, "SLURM_CONF": f"{folder}/slurm.conf"}
    finally:
        subprocess.run(["bash", str(SCRIPT), "stop"], env=env, capture_output=True,
                       timeout=120, check=False)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def _slurm(command: list[str], env: dict[str, str]) -> str:
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,
                          check=True).stdout  # fmt: skip


def test_a_sweep_on_slurm_equals_the_basic_launcher(slurm, tmp_path):
    basic = tmp_path / "basic"
    mia_train("-m", *TINY, *GRID, f"hydra.sweep.dir={basic}", cwd=tmp_path)
    on_slurm = tmp_path / "slurm"
    mia_train("-m", *TINY, *GRID, *small_jobs(1), f"hydra.sweep.dir={on_slurm}", cwd=tmp_path,
              env=slurm)  # fmt: skip
    assert_same_results(on_slurm, basic)
    # one job array of four jobs, each job's log beside the runs
    logs = sorted(p.name for p in (on_slurm / ".submitit").glob("*/*_log.out"))
    assert len(logs) == 4 and len({name.split("_")[0] for name in logs}) == 1, logs
    reused = sorted(read_json(d / "results.json")["training"]["reused"]
                    for d in runs(on_slurm).values())  # fmt: skip
    assert reused == [0, 0, 2, 2]


def _idle(env: dict[str, str]) -> bool:
    return not _slurm(["squeue", "-h", "-o", "%i"], env).strip()


def test_an_interrupted_slurm_sweep_resumes_skipping_finished_runs(slurm, tmp_path):
    """The driver stopped with Ctrl-C and its jobs cancelled (as a time limit or a preemption
    would), then the same command again."""
    sweep = tmp_path / "sweep"
    # the 2nd and 3rd runs train for ~30 s (curves at the end only): cancelled seconds
    # after the 1st is complete, they cannot have finished
    command = [str(BIN / "mia-train"), "-m", *TINY, "train.epochs=1,12000,12001",
               "train.eval_every=12000", *small_jobs(2),
               f"hydra.sweep.dir={sweep}"]  # one job at a time
    run_dirs = [
        sweep / f"attack.bootstrap=0,plan.num_models=2,plan.population_size=200,train.epochs={e},"
        "train.eval_every=12000"
        for e in (1, 12000, 12001)
    ]
    interrupt_after_a_run(command, run_dirs, cwd=tmp_path, env=slurm,
                          stop_jobs=lambda: _slurm(["scancel", "--partition=local"], slurm))
    deadline = time.monotonic() + 120
    while not _idle(slurm) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _idle(slurm), _slurm(["squeue"], slurm)
    finished = [r for r in run_dirs if complete(r)]
    assert finished and len(finished) < len(run_dirs), "the interrupt should land mid-sweep"
    kept = {r: (r / "results.json").stat().st_mtime_ns for r in finished}

    resumed = mia_train(*command[1:], cwd=tmp_path, env=slurm)
    # the jobs' logs say which runs they skipped
    job_logs = "".join(p.read_text() for p in (sweep / ".submitit").glob("*/*_log.*"))
    for run_dir in run_dirs:
        assert complete(run_dir), (run_dir, resumed.stderr[-2000:])
        skipped = f"skipping finished run {run_dir}" in job_logs
        assert skipped == (run_dir in finished), job_logs[-3000:]
    for run_dir, mtime in kept.items():
        assert (run_dir / "results.json").stat().st_mtime_ns == mtime
