"""h393: a run whose saved models were all there (results.json deleted, as the advice for a
lost scores.npz says) loaded them under another train.chunk_size and recorded its own:
mia-train defense=dropout plan.num_models=4 train.epochs=2 train.chunk_size=1, results.json
deleted, then the same with train.chunk_size=2 wrote a results.json of chunk_size 2 beside
the figures of the chunk_size=1 models (train loss 1.1930), which a run of that config does
not give (1.2020): 'run it again with the same values to get the same numbers' failed. It
now records the settings the models were trained under, with a warning."""

from __future__ import annotations

from mia_defense.tracking import read_json
from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


def test_loaded_models_are_recorded_under_the_settings_they_trained_under(tmp_path):
    run_dir = tmp_path / "run"
    first = mia_train(*TINY, "train.chunk_size=1", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert first.returncode == 0, first.stderr[-2000:]
    saved = {p.name: p.stat().st_mtime_ns for p in (run_dir / "checkpoints").glob("*.pt")}
    (run_dir / "results.json").unlink()
    again = mia_train(*TINY, "train.chunk_size=2", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert {p.name: p.stat().st_mtime_ns
            for p in (run_dir / "checkpoints").glob("*.pt")} == saved  # (none trained again)
    payload = read_json(run_dir / "results.json")
    assert payload["status"] == "complete"
    assert payload["config"]["train"]["chunk_size"] == 1
    assert ("its saved models are all there, trained under train.chunk_size=1 (this run: 2): "
            "they are loaded as trained") in again.stderr, again.stderr[-3000:]
    # the run's own settings still pass as the same run (a neutral key): skipped
    skipped = mia_train(*TINY, "train.chunk_size=2", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert skipped.returncode == 0 and "skipping finished run" in skipped.stderr


def test_loaded_models_of_the_runs_own_settings_say_nothing(tmp_path):
    run_dir = tmp_path / "run"
    assert mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path).returncode == 0
    (run_dir / "results.json").unlink()
    again = mia_train(*TINY, f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "its saved models are all there" not in again.stderr
