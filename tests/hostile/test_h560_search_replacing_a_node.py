"""An Optuna search drawing values for a node of settings that is no config group
(``mia-train -m hparams_search=optuna_custom defense=dp '+hydra.sweeper.params={defense.dp:
"choice(1,2)"}'``) made its folder and had each trial refused ('defense.dp=2: must be a
mapping with a _target_'): the search checks took defense.dp for a group the search chooses
and, its values being no names of configs, checked none of them. Each value is set where
the trial's override sets it and checked by the run's check now, before the folder (h560)."""

from __future__ import annotations

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "hydra.sweeper.n_jobs=1", "train.epochs=1",
        "hydra.sweeper.n_trials=2", "hparams_search=optuna_custom"]  # fmt: skip


def test_a_search_putting_numbers_in_place_of_a_defense_is_refused(tmp_path) -> None:
    sweep = tmp_path / "s"
    done = mia_train("-m", *TINY, "defense=dp", '+hydra.sweeper.params={defense.dp: "choice(1,2)"}',
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("hydra.sweeper.params: defense.dp: choice(1,2): every value the search draws is "
            "refused") in done.stderr, done.stderr[-3000:]
    assert "defense.dp=1: must be a mapping with a _target_" in done.stderr
    assert "Traceback" not in done.stderr and not sweep.exists()
