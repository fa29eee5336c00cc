"""``launcher=joblib hydra.launcher.n_jobs=1000`` on a 2-point sweep runs 2 workers (27d7afcb:
no more than the jobs of a launch), but the sweep still warned that it "asks for 1000
cores, and 2 are usable here". The warning now counts the workers the launcher starts: none
where they fit the cores, their number where they do not."""

from __future__ import annotations

import pytest

import mia_defense.budget as budget
from tests.helpers import mia_train


@pytest.mark.parametrize(("settings", "said"), [
    (["hydra.launcher.n_jobs=1000", "seed=1,1"], None),  # 2 workers on 2 cores
    (["hydra.launcher.n_jobs=1000", "seed=1,1,1,1", "hydra.sweeper.max_batch_size=2"], None),
    (["hydra.launcher.n_jobs=1000", "seed=1,1,1"],
     "hydra.launcher.n_jobs=1000 runs 3 workers for the 3 jobs of a launch, which with "
     "train.threads=1 asks for 3 cores, and 2 are usable here"),
    (["hydra.launcher.n_jobs=1000", "hparams_search=optuna_tradeoff", "hydra.sweeper.n_jobs=3",
      "seed=1,1"], "runs 3 workers for the 3 jobs of a launch"),
    (["hydra.launcher.n_jobs=1000", "hparams_search=optuna_tradeoff", "hydra.sweeper.n_jobs=4",
      "hydra.sweeper.n_trials=2", "seed=1,1"], None),
])  # fmt: skip
def test_the_oversubscription_warning_counts_the_workers_started(tmp_path, monkeypatch,
                                                                  settings, said):
    pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
    monkeypatch.setattr(budget, "usable_cores", lambda: 2)
    # a repeated seed is refused after the warning, before any process starts
    done = mia_train("-m", "launcher=joblib", *settings, "plan.num_models=2",
                     f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-2000:]
    assert "gives 1 more than once" in done.stderr, done.stderr[-2000:]
    assert "asks for 1000 cores" not in done.stderr
    if said is None:
        assert "are usable here" not in done.stderr, done.stderr[-2000:]
    else:
        assert said in done.stderr, done.stderr[-2000:]
