"""A job process of a sweep (`launcher=submitit_local`: ``python -m submitit.core._submit``
started in the launch directory) has that directory first on sys.path and inherits
MIA_DEFENSE_LAUNCH_DIR, so the launch directory's finder serves it. Where mia-defense's own
files lie in that directory (mia-train started from the repository, as the README does), the
finder's first use imported sysconfig through the finder itself: a RecursionError, and every
job of the sweep failed (exit 2) without a line in its train.log."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# what such a job process does: its folder leads sys.path, then the launch-dir callback runs
# and the task imports modules the process has not loaded yet
JOB = """
import os, sys
sys.path.insert(0, os.getcwd())
from mia_defense.cli.user_code import add_launch_dir
add_launch_dir(os.getcwd())
import wave, sysconfig
print("imported")
"""


def test_a_job_process_started_in_the_repository_imports_without_recursion():
    env = {**os.environ, "MIA_DEFENSE_LAUNCH_DIR": str(REPO)}
    done = subprocess.run([sys.executable, "-c", JOB], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "RecursionError" not in done.stderr and done.stdout.strip() == "imported"


@pytest.mark.slow  # 5-10 s: a two-run sweep through submitit's local executor
def test_a_submitit_local_sweep_started_in_the_repository_runs(tmp_path):
    pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    script = Path(sys.executable).parent / "mia-train"  # the console script: `python -m`
    if not script.is_file():  # would put the repository on sys.path itself
        pytest.skip(f"no mia-train beside {sys.executable}")
    sweep = tmp_path / "sweep"
    env = {k: v for k, v in os.environ.items() if k != "MIA_DEFENSE_LAUNCH_DIR"}
    done = subprocess.run(
        [str(script), "-m", "launcher=submitit_local",
         "plan.num_models=2", "train.epochs=1", "figures=false", "attack.bootstrap=0",
         "progress=false", "release=full,topk", f"hydra.sweep.dir={sweep}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "RecursionError" not in done.stderr
    assert len(list(sweep.glob("*/results.json"))) == 2
