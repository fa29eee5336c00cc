"""A key of the Optuna search space also given one value on the command line (``train.epochs=1``
beside ``hydra.sweeper.params={train.epochs: ...}``) is taken out of the search by the
sweeper, unsaid: where that left no key, every trial ran the same run (the first trained,
the rest skipped as finished) and optimization_results.yaml listed that one point n_trials
times as the Pareto front. Refused where no key is left, warned where some are."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "hydra.sweeper.n_jobs=1"]  # fmt: skip


def test_a_search_space_all_fixed_on_the_command_line_is_refused(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "hparams_search=optuna_custom", "hydra.sweeper.n_trials=3",
                     '+hydra.sweeper.params={train.epochs: "int(interval(1, 3))"}',
                     "train.epochs=1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("ConfigError: hydra.sweeper.params: every key of the search space is given one "
            "value on the command line (train.epochs=1), which takes it out of the search: the "
            "Optuna search would run the same run hydra.sweeper.n_trials times; nothing was "
            "run. Drop train.epochs=1 from the command line, or search another key"
            ) in done.stderr  # fmt: skip
    assert not sweep.exists()


@pytest.mark.slow
def test_a_key_of_the_space_fixed_on_the_command_line_is_warned_and_the_rest_searched(tmp_path):
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "hparams_search=optuna_tradeoff", "hydra.sweeper.n_trials=1",
                     "train.epochs=1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert ("train.epochs=1 on the command line takes train.epochs out of the Optuna search "
            "space (hydra.sweeper.params): it is not searched; drop it to search it"
            ) in done.stderr  # fmt: skip
    assert (sweep / "optimization_results.yaml").is_file()
