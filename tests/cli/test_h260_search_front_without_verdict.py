"""A search minimising ``privacy.empirical_epsilon`` never puts a model that learned
nothing on its Pareto front: such a model measures a bound of 0, the best there is, and
every at-chance trial of a search over train.lr was among the Pareto solutions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=3", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


@pytest.mark.slow  # (an Optuna search of 4 tiny trials in a subprocess: about 5 s)
def test_a_trial_at_chance_fails_instead_of_landing_on_the_front(tmp_path):
    sweep = tmp_path / "search"
    mia_train = Path(sys.executable).parent / "mia-train"
    done = subprocess.run(
        [str(mia_train), "-m", "hparams_search=optuna_custom", *TINY, "hydra.sweeper.n_trials=4",
         '+hydra.sweeper.params={train.lr: "choice(1e-9, 0.01)"}',
         "objectives=[utility.test_accuracy,privacy.empirical_epsilon]",
         f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    assert done.returncode == 0, done.stderr[-3000:]
    # the trial at chance ran (its run kept) and measured a bound of 0
    at_chance = [p for p in sweep.glob("*train.lr=1e-09*/results.json")]
    assert at_chance
    said = ("objectives: 'privacy.empirical_epsilon' infinite in this run (the worst "
            "leakage: the run has no privacy verdict")
    assert said in done.stderr
    assert "a sweeper gets inf for privacy.empirical_epsilon, not this run's" in done.stderr
    front = yaml.safe_load((sweep / "optimization_results.yaml").read_text())["solutions"]
    assert front and all(s["params"]["train.lr"] == 0.01 for s in front), front
