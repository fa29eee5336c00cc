"""An Optuna search over a seed ranks runs that differ only by chance: its best trials
(optimization_results.yaml) are the luckiest draws, not better settings, and nothing said
so. It is warned of before the search starts; a grid over seeds (repeats mia-report
averages) is not."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


@pytest.mark.parametrize(("overrides", "keys"), [
    (["hparams_search=optuna_tradeoff", '+hydra.sweeper.params={seed: "range(0, 5)"}'], "seed"),
    (["hparams_search=optuna_custom",
      '+hydra.sweeper.params={train.lr: "interval(0.01, 0.1)", '
      'attack.attacks.rmia.seed: "choice(0, 1)"}'], "attack.attacks.rmia.seed"),
])  # fmt: skip
def test_a_seed_in_a_search_space_is_warned(caplog, overrides, keys) -> None:
    from mia_defense.cli.search_space_checks import warn_searched_seed

    with caplog.at_level(logging.WARNING):
        warn_searched_seed(_compose(*overrides))
    assert (f"{keys} in the Optuna search space: trials that differ in a seed differ by chance, "
            "so the search's best trials (optimization_results.yaml) are the luckiest draws, "
            "not better settings") in caplog.text  # fmt: skip


@pytest.mark.parametrize("overrides", [
    ["hparams_search=optuna_tradeoff"],
    ["hparams_search=optuna_tradeoff", "seed=3"],  # one seed for the whole search
    ['+hydra.sweeper.params={seed: "range(0, 3)"}'],  # a grid: repeats, not a search
])  # fmt: skip
def test_a_search_with_one_seed_or_a_grid_over_seeds_is_not_warned(caplog, overrides) -> None:
    from mia_defense.cli.search_space_checks import warn_searched_seed

    with caplog.at_level(logging.WARNING):
        warn_searched_seed(_compose(*overrides))
    assert caplog.text == ""
