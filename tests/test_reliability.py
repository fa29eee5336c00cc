"""Determinism and kill-and-resume of a run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from mia_defense.cli.train import run
from mia_defense.tracking import load_npz, read_json
from tests.helpers import FAST, mia_train

RESUME_OVERRIDES = [
    "plan.num_models=4",
    "plan.population_size=400",
    "train.epochs=40",
    "train.batch_size=32",
    "train.chunk_size=1",  # the stacked path checkpoints after every model
    "progress=false",
    "~attack.attacks.shokri",
]


def _comparable(payload: dict) -> dict:
    """results.json without timing fields."""
    attacks = {
        name: {key: value for key, value in metrics.items() if key != "seconds"}
        for name, metrics in payload["attacks"].items()
    }
    return {"utility": payload["utility"], "attacks": attacks, "privacy": payload["privacy"]}


def test_same_config_gives_identical_masks_outputs_and_metrics(make_cfg, tmp_path):
    cfg = make_cfg("plan.num_models=4", "train.epochs=2")
    run(cfg, tmp_path / "a")
    run(cfg, tmp_path / "b")
    a, b = load_npz(tmp_path / "a/observations.npz"), load_npz(tmp_path / "b/observations.npz")
    assert a["masks"].tobytes() == b["masks"].tobytes()
    assert a["log_probs"].tobytes() == b["log_probs"].tobytes()
    ra, rb = read_json(tmp_path / "a/results.json"), read_json(tmp_path / "b/results.json")
    assert _comparable(ra) == _comparable(rb)


def test_different_seed_gives_different_masks(make_cfg, tmp_path):
    # the masks are drawn before training: one epoch and the lean attack stage write them
    run(make_cfg("seed=1", *FAST), tmp_path / "a")
    run(make_cfg("seed=2", *FAST), tmp_path / "b")
    a, b = load_npz(tmp_path / "a/observations.npz"), load_npz(tmp_path / "b/observations.npz")
    assert not np.array_equal(a["masks"], b["masks"])


@pytest.mark.slow  # ~10 s: a real process killed with SIGKILL, a resume and a reference run;
# the fast suite resumes after Ctrl-C in a real process (tests/hostile/test_verdicts_and_faults)
def test_killed_run_resumes_training_only_missing_models(make_cfg, tmp_path):
    script = Path(sys.executable).with_name("mia-train")
    run_dir = tmp_path / "killed"
    command = [str(script), *RESUME_OVERRIDES, f"hydra.run.dir={run_dir}"]
    process = subprocess.Popen(
        command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    checkpoints = run_dir / "checkpoints"
    deadline = time.monotonic() + 240
    while len(list(checkpoints.glob("model_*.pt"))) < 2 and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    trained_before = len(list(checkpoints.glob("model_*.pt")))
    assert 2 <= trained_before < 4, "kill -9 should land mid-training"
    assert read_json(run_dir / "results.json")["status"] == "running"  # killed: no cleanup

    # the same command again, in this process (tests.helpers.mia_train)
    resumed = mia_train(*command[1:], cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    output = resumed.stderr + resumed.stdout
    assert f"resuming: {trained_before} of 4 models already trained" in output

    reference = tmp_path / "uninterrupted"
    run(make_cfg(*RESUME_OVERRIDES, tiny=False), reference)
    assert _comparable(read_json(run_dir / "results.json")) == _comparable(
        read_json(reference / "results.json")
    )
