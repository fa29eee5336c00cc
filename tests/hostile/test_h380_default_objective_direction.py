"""h380: an Optuna search of the default objective (objectives=null: the strongest attack's
TPR at the lowest attack.fprs) under hydra.sweeper.direction=maximize ran with no word,
its best trials the most exposed models; the same direction against a listed objective's
better side was warned of. It is warned of now too (not refused: an attacker's search)."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=["hparams_search=optuna_custom", *overrides],
                       return_hydra_config=True)


@pytest.mark.parametrize(("direction", "warned"), [("maximize", True), ("minimize", False)])
def test_default_objective_direction(caplog, direction, warned):
    from mia_defense.cli.objective_checks import check_objectives

    with caplog.at_level(logging.WARNING):
        check_objectives(_compose("objectives=null", f"hydra.sweeper.direction={direction}"))
    said = ("hydra.sweeper.direction: maximize for max_attack.tpr at the lowest attack.fprs "
            "(the default objective), whose better side is to minimize: the search's best "
            "trials (optimization_results.yaml) are then the most exposed; set "
            "hydra.sweeper.direction=minimize, or list objectives")
    assert (said in caplog.text) is warned, caplog.text
