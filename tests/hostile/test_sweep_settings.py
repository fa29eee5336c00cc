"""The Optuna sweeper's and the joblib launcher's settings that they check late or never:
refused with one line before anything runs (a direction too few failed every trial and
then the sweep with a traceback; ``n_jobs=0`` divided by zero)."""

from __future__ import annotations

import pytest

from tests.conftest import TINY
from tests.helpers import LEAN_ATTACKS, mia_train

pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
pytest.importorskip("hydra_plugins.hydra_joblib_launcher")

_OPTUNA = ["hparams_search=optuna_tradeoff", "hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1"]


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ([*_OPTUNA, "hydra.sweeper.direction=[maximize]"],
         ["hydra.sweeper.direction=['maximize']: one of maximize/minimize per objective (2: "]),
        ([_OPTUNA[0], "hydra.sweeper.direction=[up,down]", "hydra.sweeper.n_jobs=0",
          "hydra.sweeper.n_trials=-1"],
         ["direction=['up', 'down']: one of", "hydra.sweeper.n_jobs=0: must be a whole number",
          "hydra.sweeper.n_trials=-1: must be a whole"]),
        (["launcher=joblib", "seed=1,2", "hydra.launcher.n_jobs=0"],
         ["hydra.launcher.n_jobs=0: a number of processes, not 0"]),
        # threads were never run (the plugin sets backend=loky), require=sharedmem a traceback
        (["launcher=joblib", "seed=1,2", "hydra.launcher.backend=threading",
          "hydra.launcher.require=sharedmem"],
         ["hydra.launcher.backend='threading': the joblib launcher runs each job in a process",
          "hydra.launcher.require='sharedmem': the joblib"]),
    ],
)  # fmt: skip
def test_a_sweeper_or_launcher_setting_that_fails_late_is_refused_first(tmp_path, settings, said):
    done = mia_train("-m", *TINY, *LEAN_ATTACKS, *settings, "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert done.returncode == 2, done.stderr[-2000:]
    assert all(part in done.stderr for part in said) and "nothing was run" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.glob("sweep/*/results.json"))


@pytest.mark.slow  # 1-5 s (a run, a report or a sweep): make test-slow
def test_one_direction_for_one_objective_searches(tmp_path):
    one = ["objectives=[utility.test_accuracy]", "hydra.sweeper.direction=maximize"]
    done = mia_train("-m", *TINY, *LEAN_ATTACKS, *_OPTUNA, *one, "hydra.sweep.dir=sweep",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(list(tmp_path.glob("sweep/*/results.json"))) == 1
