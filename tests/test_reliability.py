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
    """results.json without timing fields, with the checkpoints' sha256."""
    attacks = {
        name: {key: value for key, value in metrics.items() if key != "seconds"}
        for name, metrics in payload["attacks"].items()
    }
    checkpoints = {name: digest for name, digest in payload["sha256"].items()
                   if name.startswith("checkpoints/")}  # fmt: skip
    return {"utility": payload["utility"], "attacks": attacks, "privacy": payload["privacy"],
            "checkpoints": checkpoints}


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


def _killed_after(run_dir: Path, overrides: list[str], saved: int, cwd: Path) -> int:
    """``mia-train OVERRIDES`` in a real process, killed with SIGKILL once ``saved``
    checkpoints are written; the number written when it died."""
    script = Path(sys.executable).with_name("mia-train")
    command = [str(script), *overrides, f"hydra.run.dir={run_dir}"]
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    checkpoints = run_dir / "checkpoints"
    deadline = time.monotonic() + 240
    while len(list(checkpoints.glob("model_*.pt"))) < saved and time.monotonic() < deadline:
        assert process.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert read_json(run_dir / "results.json")["status"] == "running"  # killed: no cleanup
    return len(list(checkpoints.glob("model_*.pt")))


@pytest.mark.slow  # ~10 s: a real process killed with SIGKILL, a resume and a reference run;
# the fast suite resumes after Ctrl-C in a real process (tests/hostile/test_verdicts_and_faults)
def test_killed_run_resumes_training_only_missing_models(make_cfg, tmp_path):
    run_dir = tmp_path / "killed"
    trained_before = _killed_after(run_dir, RESUME_OVERRIDES, 2, tmp_path)
    assert 2 <= trained_before < 4, "kill -9 should land mid-training"

    # the same command again, in this process (tests.helpers.mia_train)
    resumed = mia_train(*RESUME_OVERRIDES, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    output = resumed.stderr + resumed.stdout
    assert f"resuming: {trained_before} of 4 models already trained" in output

    reference = tmp_path / "uninterrupted"
    run(make_cfg(*RESUME_OVERRIDES, tiny=False), reference)
    assert _comparable(read_json(run_dir / "results.json")) == _comparable(
        read_json(reference / "results.json")
    )


# Defenses whose state a chunk holds while it trains (h440): early stopping's best weights
# and stopped models, AdvReg's inference models and their Adam, distillation's teachers and
# students, DP-SGD's σ (one for every chunk) and accountant. A run killed once its first
# chunk of two is saved must resume to the uninterrupted run's figures and checkpoints.
CHUNKED = [
    "plan.num_models=4",
    "plan.population_size=400",
    "plan.reference_size=200",
    "train.chunk_size=2",
    "train.batch_size=32",
    "progress=false",
    "figures=false",
    "attack.bootstrap=0",
    "~attack.attacks.shokri",
]


@pytest.mark.slow  # 5-12 s each: a killed process, its resume and a reference run
@pytest.mark.parametrize("defense", [
    # lr 0.03: the models stop early (at about epoch 8), so the defense acts
    ("defense=[early_stopping,advreg]", "defense.early_stopping.patience=1", "train.lr=0.03",
     "train.epochs=20"),
    ("defense=distillation", "train.epochs=10"),
    ("defense=dp", "train.epochs=10"),
], ids=["early_stopping+advreg", "distillation", "dp"])  # fmt: skip
def test_a_defended_run_killed_after_its_first_chunk_resumes_to_the_same_results(
        make_cfg, tmp_path, defense):  # fmt: skip
    overrides = [*CHUNKED, *defense]
    run_dir = tmp_path / "killed"
    assert _killed_after(run_dir, overrides, 2, tmp_path) == 2, "kill -9 should land in chunk 2"
    resumed = mia_train(*overrides, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "resuming: 2 of 4 models already trained" in resumed.stderr + resumed.stdout

    reference = tmp_path / "uninterrupted"
    run(make_cfg(*overrides, tiny=False), reference)
    assert not read_json(reference / "results.json")["training"]["defenses_idle"]  # they acted
    assert _comparable(read_json(run_dir / "results.json")) == _comparable(
        read_json(reference / "results.json")
    )
