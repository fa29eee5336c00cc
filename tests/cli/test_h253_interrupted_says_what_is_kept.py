"""An interrupted run or sweep said only 'interrupted; run the same command again to
resume': not what it kept (the saved models, the finished runs of a sweep) nor what was
lost (the work since the last saved model). Now a line before it says both (h253)."""

from __future__ import annotations

import mia_defense.experiment as experiment
from mia_defense.tracking import read_json
from tests.helpers import mia_train

LINE = "interrupted; run the same command again to resume"
TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


def _interrupted_after_training(monkeypatch, *, calls: int = 1) -> None:
    """Ctrl-C lands once the models are trained and saved, at the ``calls``-th run."""
    release = experiment.release_population
    seen = []

    def stopped(*args, **kwargs):
        seen.append(True)
        if len(seen) == calls:
            raise KeyboardInterrupt  # as the signal handler raises it
        return release(*args, **kwargs)

    monkeypatch.setattr(experiment, "release_population", stopped)


def test_an_interrupted_run_says_what_it_keeps(tmp_path, monkeypatch):
    _interrupted_after_training(monkeypatch)
    run_dir = tmp_path / "run"
    done = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert read_json(run_dir / "results.json")["status"] == "interrupted"
    kept = "kept: 2 trained models saved in "
    assert kept in done.stderr and "lost: the work in progress" in done.stderr, done.stderr
    assert done.stderr.index(kept) < done.stderr.index(LINE)
    assert done.stderr.count("interrupted") == 1  # (the line says it once, as before)
    assert kept in (run_dir / "train.log").read_text()


def test_a_run_interrupted_before_any_model_was_saved(tmp_path, monkeypatch):
    def stopped(*args, **kwargs):
        raise KeyboardInterrupt  # in training, before a model is saved

    monkeypatch.setattr(experiment, "train_models", stopped)
    run_dir = tmp_path / "run"
    done = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "kept: no trained model yet" in done.stderr, done.stderr


def test_an_interrupted_sweep_says_what_it_keeps(tmp_path, monkeypatch):
    _interrupted_after_training(monkeypatch, calls=2)  # the first run finishes
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "seed=0,1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    assert done.returncode == 130, done.stderr[-2000:]
    statuses = sorted(read_json(p)["status"] for p in sweep.glob("*/results.json"))
    assert statuses == ["complete", "interrupted"]
    kept = ("kept: 1 finished run of this sweep (skipped when it resumes) and 2 trained models "
            "saved by 1 run stopped part way (reused then); lost: the work in progress")
    assert kept in done.stderr, done.stderr
    assert done.stderr.index(kept) < done.stderr.index(LINE)
    assert "trained models saved in" not in done.stderr  # (the run's own line: not twice)
