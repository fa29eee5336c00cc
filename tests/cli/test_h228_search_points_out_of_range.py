"""An Optuna range or choice of numbers reaching values its key refuses ('train.lr:
choice(-0.1, 0.01)', 'train.epochs: range(0, 2)') had each trial drawing such a value refused
after the search made its folders; intervals were checked (b168898), ranges and choices not.
Each is refused before the search starts; a grid sweep's points are left to run."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module
from omegaconf import open_dict

from tests.helpers import mia_train


def _compose(*overrides: str, swept: tuple[str, ...] = ()):
    """The config of ``overrides``, with ``swept`` on the command line as a sweep's."""
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=list(overrides), return_hydra_config=True)
    with open_dict(config):
        config.hydra.overrides.task = [*config.hydra.overrides.task, *swept]
    return config


def _params(space: str) -> list[str]:
    return ["hparams_search=optuna_custom", f"+hydra.sweeper.params={{{space}}}"]


@pytest.mark.parametrize(("overrides", "said"), [
    (_params('train.lr: "choice(-0.1, 0.01)"'),
     "hydra.sweeper.params: train.lr: choice(-0.1, 0.01): train.lr must be a finite number > "
     "0, and the choice draws -0.1 (each trial drawing it would be refused); nothing was run. "
     "Keep its values within it"),
    (_params('train.epochs: "range(0, 3)"'),
     "train.epochs must be an integer >= 1, and the range draws 0"),
    # (an Optuna range draws its stop: 1.0 is beyond attack.confidence's (0, 1))
    (_params('attack.confidence: "range(0.5, 1.0, 0.25)"'),
     "attack.confidence must be a number in (0, 1), and the range draws 1.0"),
    (_params('plan.num_models: "range(2, 8)"'),
     "plan.num_models must be an even integer in [2, 4096]"),
    ((["hparams_search=optuna_custom"], ("train.lr=choice(0.01, 0)",)),
     "train.lr=choice(0.01, 0): train.lr must be a finite number > 0, and the choice draws 0"),
])  # fmt: skip
def test_a_range_or_choice_beyond_its_keys_range_is_refused(caplog, overrides, said) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    overrides, swept = overrides if isinstance(overrides, tuple) else (overrides, ())
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides, swept=swept))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    ["hparams_search=optuna_tradeoff"],
    _params('plan.num_models: "range(2, 9, 2)", train.epochs: "range(1, 3)"'),
    _params('attack.confidence: "range(0.5, 1.0, 0.25, shuffle=true)"'),  # (stops before 1)
    _params('train.lr: "choice(0.01, 0.1)", train.optimizer: "choice(sgd, adam)"'),
    ([], ("train.lr=-0.1,0.01",)),  # (a grid sweep: 0.01 runs, -0.1 is named when refused)
    ([], ("train.epochs=range(0,3)",)),
])  # fmt: skip
def test_ranges_and_choices_within_their_keys_range_pass(overrides) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    overrides, swept = overrides if isinstance(overrides, tuple) else (overrides, ())
    refuse_intervals_out_of_range(_compose(*overrides, swept=swept))  # (refused: SystemExit)


def test_a_search_choice_out_of_range_makes_no_folder(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom", "hydra.sweeper.n_trials=2",
                     '+hydra.sweeper.params={train.lr: "choice(-0.1, 0.01)"}',
                     "plan.num_models=4", "train.epochs=1", f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "the choice draws -0.1" in done.stderr
    assert not sweep.exists()
