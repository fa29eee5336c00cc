"""An Optuna search given ``attack.fprs=choice([0.1],[0.01,0.1])`` whose objective needs the
TPR at 1% FPR (``objectives=[max_attack.tpr@1%fpr]``) made its folder and had each trial
drawing [0.1] refused in turn ('1 run(s) of this sweep were refused'): the objectives check
skipped any sweep of attack.fprs. Each list a sweep of it gives is checked now, before the
folder is made; a grid sweep's too (h572)."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "train.epochs=1"]  # fmt: skip
SEARCH = ["hparams_search=optuna_custom", "hydra.sweeper.direction=maximize",
          "hydra.sweeper.n_jobs=1", "hydra.sweeper.n_trials=2"]  # fmt: skip


@pytest.mark.parametrize(("sweep", "given"), [
    ("attack.fprs=choice([0.1],[0.01,0.1])", SEARCH),
    ("attack.fprs=[0.1],[0.01,0.1]", []),
])  # fmt: skip
def test_a_swept_fprs_list_missing_an_objective_is_refused_up_front(tmp_path, sweep,
                                                                    given) -> None:
    folder = tmp_path / "s"
    objectives = "objectives=[max_attack.tpr@1%fpr]" if given else \
        "+objectives=[max_attack.tpr@1%fpr]"
    done = mia_train("-m", *given, sweep, objectives, *TINY, f"hydra.sweep.dir={folder}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"{sweep}: the runs given attack.fprs=[0.1] would each be refused: objectives: "
            "'max_attack.tpr@1%fpr' is no TPR results.json holds") in done.stderr, \
        done.stderr[-3000:]
    assert "Traceback" not in done.stderr and not folder.exists()
