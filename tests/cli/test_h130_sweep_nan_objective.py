"""An objective a trial's results.json does not hold as a number (a privacy figure absent
from the run, or null) is a failed trial, and the search goes on: Optuna raises on a NaN, and
Hydra's Optuna sweeper then stopped the whole search with a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "train.epochs=1", "attack.bootstrap=0", "~attack.attacks.shokri"]  # fmt: skip


@pytest.mark.slow  # (an end-to-end search or sweep in subprocesses: 1.6-3.7 s)
def test_an_objective_absent_from_the_runs_fails_each_trial_and_the_search_goes_on(tmp_path,
                                                                                   monkeypatch):
    # (a figure of a defense of one's own, which it does not write: privacy.noise_multiplier
    # without DP-SGD is refused before the search, h385)
    (tmp_path / "my_defense.py").write_text(
        "from mia_defense.defenses import WeightDecay\n\n\nclass MyDecay(WeightDecay):\n"
        "    pass\n")  # fmt: skip
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    sweep = tmp_path / "search"
    # (its own process: an Optuna search run in the test process left 15 tests of caplog
    # in the same pytest worker with no log records)
    mia_train = Path(sys.executable).parent / "mia-train"
    done = subprocess.run(
        [str(mia_train), "-m", "hparams_search=optuna_custom", *TINY, "hydra.sweeper.n_trials=4",
         '+hydra.sweeper.params={train.lr: "choice(0.1, 0.01)"}',
         "+defense.mine._target_=my_defense.MyDecay",
         "objectives=[privacy.my_bound]", "hydra.sweeper.direction=minimize",
         f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    # no trial gave a value: the search ends without a result, exit 2
    assert done.returncode == 2
    assert "no trial of this search finished" in done.stderr
    assert list(sweep.glob("*/results.json"))  # the runs are kept
    said = ("objectives: 'privacy.my_bound' not a number in this run's results.json "
            "(absent or null), which a sweeper cannot take: this trial fails")
    # every trial ran and failed (the search was stopped after its first 2: n_jobs=2)
    assert done.stderr.count(said) == 4
