"""``objectives=[]`` gave a sweeper the default objective, which the user did not ask for,
and an objective listed twice was taken without a word: both are refused, by the sweep's
check before it starts and by each run's."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module

from mia_defense.errors import ConfigError


@pytest.mark.parametrize(("objectives", "said"), [
    ("[]", "objectives=[]: no objective for a sweeper; list the figures it should get"),
    ("[utility.test_accuracy,max_attack.auc,utility.test_accuracy]",
     "objectives: 'utility.test_accuracy' is listed more than once"),
])  # fmt: skip
def test_no_objective_or_one_twice_is_refused(caplog, objectives, said):
    from mia_defense.cli.objective_checks import check_objectives
    from mia_defense.cli.sweep_end import objective_names
    from mia_defense.report.objectives import check_objective_names

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        cfg = compose("config", overrides=["hparams_search=optuna_tradeoff",
                                           f"objectives={objectives}"], return_hydra_config=True)
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        check_objectives(cfg)  # the sweep's, before it starts
    assert exc.value.code == 2 and said in caplog.text
    with pytest.raises(ConfigError, match="objectives") as run:  # each run's, in mia-train
        check_objective_names(objective_names(cfg), fprs=[0.001, 0.01, 0.1])
    assert said in str(run.value)
