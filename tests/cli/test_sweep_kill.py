"""A sweep killed with SIGKILL mid-way and started again: finished runs are skipped, the
others run to the end."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mia_defense.tracking import read_json

BIN = Path(sys.executable).parent
RUN = "attack.bootstrap=0,plan.num_models=2,plan.population_size=200,train.epochs={}"
EPOCHS = (1, 2, 3)


def _complete(run_dir: Path) -> bool:
    """Whether the run finished (results.json is written at the start, ``running``)."""
    path = run_dir / "results.json"
    return path.exists() and read_json(path).get("status") == "complete"


@pytest.mark.slow  # about 30 s: two sweeps of tiny runs
def test_killed_sweep_resumes_skipping_finished_runs(tmp_path):
    root = tmp_path / "sweep"
    command = [
        str(BIN / "mia-train"), "-m", "plan.num_models=2", "plan.population_size=200",
        "progress=false", "attack.bootstrap=0", "train.epochs=1,2,3", f"hydra.sweep.dir={root}",
    ]  # fmt: skip
    runs = [root / RUN.format(e) for e in EPOCHS]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while not _complete(runs[0]) and time.monotonic() < deadline:
        assert process.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    finished = [r for r in runs if _complete(r)]
    assert runs[0] in finished and len(finished) < len(runs), "kill -9 should land mid-sweep"
    kept = {r: (r / "results.json").stat().st_mtime_ns for r in finished}

    resumed = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=400, check=False
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    output = resumed.stdout + resumed.stderr
    for run_dir in runs:
        payload = read_json(run_dir / "results.json")
        assert payload["status"] == "complete"
        assert payload["config"]["train"]["epochs"] == EPOCHS[runs.index(run_dir)]
        skipped = f"skipping finished run {run_dir}" in output
        assert skipped == (run_dir in finished), output[-3000:]
    for run_dir, mtime in kept.items():
        assert (run_dir / "results.json").stat().st_mtime_ns == mtime
