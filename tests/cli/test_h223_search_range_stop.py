"""A range in an Optuna search includes its stop (the sweeper makes it an Optuna integer or
discrete range: 'train.epochs: range(1, 3)' draws 3), where the same range in a grid sweep
stops before it; nothing said so. It is warned of before the search starts."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def test_the_sweepers_range_includes_its_stop() -> None:
    """What the warning says, from the Optuna sweeper itself."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra_plugins.hydra_optuna_sweeper._impl import create_optuna_distribution_from_override

    override = OverridesParser.create().parse_override("train.epochs=range(1, 3)")
    assert create_optuna_distribution_from_override(override).high == 3


@pytest.mark.parametrize(("space", "said"), [
    ('train.epochs: "range(1, 3)"', "train.epochs: range(1, 3): an Optuna search draws "
     "train.epochs=3 too (its ranges include their stop; a grid sweep's range stops before "
     "it); end the range one step earlier to leave it out"),
    ('plan.num_models: "range(2, 10, 2)"', "draws plan.num_models=10 too"),
])  # fmt: skip
def test_a_search_range_reaching_its_stop_is_warned(caplog, space, said) -> None:
    from mia_defense.cli.search_space_checks import warn_inclusive_search_ranges

    with caplog.at_level(logging.WARNING):
        warn_inclusive_search_ranges(_compose("hparams_search=optuna_custom",
                                              f"+hydra.sweeper.params={{{space}}}"))
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    ["hparams_search=optuna_tradeoff"],
    ["hparams_search=optuna_custom", '+hydra.sweeper.params={plan.num_models: "range(2, 9, 2)"}'],
    ['+hydra.sweeper.params={train.epochs: "range(1, 3)"}'],  # a grid: stops before 3
])  # fmt: skip
def test_ranges_that_stop_as_written_are_not_warned(caplog, overrides) -> None:
    from mia_defense.cli.search_space_checks import warn_inclusive_search_ranges

    with caplog.at_level(logging.WARNING):
        warn_inclusive_search_ranges(_compose(*overrides))
    assert caplog.text == ""
