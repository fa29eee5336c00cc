"""train.engine=opacus defense=dp defense.dp.max_physical_batch_size=N said that the setting
has no effect once per model as each model's Opacus was set up: 16 copies at the default
plan.num_models. Said once a run now, before training (h154)."""

from __future__ import annotations

import logging

from mia_defense.cli.build import run

SAID = "defense.dp.max_physical_batch_size=8 has no effect with train.engine=opacus"
SMALL = ["model=logistic", "plan.num_models=4", "plan.population_size=100", "train.epochs=1",
         "train.batch_size=16", "figures=false", "attack.bootstrap=0", "defense=dp",
         "defense.dp.noise_multiplier=1.0", "defense.dp.target_epsilon=null",
         "defense.dp.max_physical_batch_size=8"]  # fmt: skip


def test_a_run_of_four_opacus_models_says_it_once(make_cfg, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        run(make_cfg(*SMALL, "train.engine=opacus"), tmp_path)
    assert caplog.text.count(SAID) == 1


def test_the_stacked_engine_does_not_say_it(make_cfg, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="mia_defense.defenses.dp"):
        run(make_cfg(*SMALL, "train.engine=stacked"), tmp_path)
    assert "has no effect with train.engine=opacus" not in caplog.text
