"""``make study-digits ARGS='trian.epochs=1'``: ARGS is make run's, and the study targets ran
the whole study as shipped without a word (a typo'd key, or train.epochs=1, never seen).
Refused in one line before anything runs or installs, naming the study's script."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="no make")


def _make(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), *args],
                          capture_output=True, text=True, timeout=60, env=env)  # fmt: skip


@pytest.mark.parametrize(("goal", "folder"), [
    ("study-digits", "digits_tradeoff"),
    ("study-purchase", "purchase_tradeoff"),
    ("study-naive-vs-adaptive", "naive_vs_adaptive"),
    ("study-reference-models", "reference_models"),
    ("study-dp-audit", "dp_audit"),
])  # fmt: skip
def test_args_given_to_a_study_are_refused(goal, folder):
    done = _make(goal, "ARGS=trian.epochs=1")
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"make {goal}: ARGS is make run's and no study reads it; nothing was run" \
        in done.stderr
    assert f"experiments/{folder}/run.sh multirun/" in done.stderr
    assert "run.sh" not in done.stdout  # (nothing would run)


def test_args_in_the_environment_are_refused_too(monkeypatch):
    monkeypatch.setenv("ARGS", "train.epochs=1")
    done = _make("study-digits", env=None)
    assert done.returncode == 2 and "ARGS is make run's" in done.stderr


def test_a_study_without_args_and_make_run_with_them_go_on():
    study = _make("study-digits")
    assert study.returncode == 0 and "experiments/digits_tradeoff/run.sh" in study.stdout
    run = _make("run", "ARGS=seed=1")
    assert run.returncode == 0 and "mia-train seed=1" in run.stdout
