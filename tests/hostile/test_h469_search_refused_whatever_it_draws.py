"""An Optuna search whose config the run's own check refuses for a setting it does not
search started anyway: 'mia-train -m hparams_search=optuna_custom dataset=csv
dataset.path=/tmp/nothere.csv' with train.lr searched made its folders and had every trial
refused ('dataset.label_column=???: a required value is missing'; with it set, 'DataError:
... does not exist'). As a grid sweep refused at every point, it is refused once, before its
folder; a config refused only for a searched key at the value the search replaces (DP-SGD's
noise_multiplier=null with target_epsilon searched) and a group option refused alone are
left to the search's own checks."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _params
from tests.helpers import mia_train

_LR = _params('train.lr: "interval(0.001, 0.01)"')


def _check_in_hydra(*overrides: str) -> None:
    """`refuse_search_refused_at_every_point` of the config of ``overrides``, with Hydra's
    loader at hand as in mia-train's callback."""
    from hydra import compose, initialize_config_module

    from mia_defense.cli.search_checks import refuse_search_refused_at_every_point

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        refuse_search_refused_at_every_point(
            compose("config", overrides=list(overrides), return_hydra_config=True))


@pytest.mark.parametrize(("overrides", "said"), [
    (["dataset=csv", "dataset.path=/tmp/h469-nothere.csv", *_LR],
     "ConfigError: dataset.label_column=???: a required value is missing; set it, e.g. "
     "dataset.label_column=...; every trial of this search would be refused so, whatever it "
     "draws (train.lr); nothing was run"),
    (["dataset=csv", "dataset.path=/tmp/h469-nothere.csv", "dataset.label_column=y", *_LR],
     "DataError: dataset 'csv': /tmp/h469-nothere.csv does not exist; set dataset.path to a "
     "CSV file with a header line; every trial of this search would be refused so"),
    # (a group the search chooses: each option refused so)
    (["dataset=csv", "dataset.path=/tmp/h469-nothere.csv",
      *_params('model: "choice(mlp, logistic)", train.lr: "choice(0.1, 0.01)"')],
     "dataset.label_column=???: a required value is missing"),
    (["train.epochs=0", *_params('defense.dp.noise_multiplier: "interval(0.5, 3.0)"'),
      "defense=dp", "defense.dp.target_epsilon=null"],
     "train.epochs=0: "),
])  # fmt: skip
def test_a_search_every_trial_of_which_is_refused_is_refused_up_front(caplog, overrides,
                                                                       said) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        _check_in_hydra(*overrides)
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    _LR,
    # (refused for the searched key at its config value: the drawn one passes)
    ["defense=dp", "defense.dp.target_epsilon=null",
     *_params('defense.dp.noise_multiplier: "interval(0.5, 3.0)"')],
    ["defense=dp", "defense.dp.noise_multiplier=null", "defense.dp.target_epsilon=null",
     *_params('defense.dp.target_epsilon: "choice(1, 8)"')],
    # (refused for its model on flat features, which one option of the search replaces)
    ["model=cnn", *_params('model: "choice(cnn, mlp)", train.lr: "choice(0.1, 0.01)"')],
])  # fmt: skip
def test_a_search_whose_draws_pass_is_left_to_run(overrides) -> None:
    _check_in_hydra(*overrides)  # (refused: SystemExit)


def test_the_search_makes_no_folder(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *_LR, "dataset=csv", f"dataset.path={tmp_path / 'nothere.csv'}",
                     "dataset.label_column=y", "train.epochs=1", "hydra.sweeper.n_trials=2",
                     "hydra.sweeper.n_jobs=1", f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "nothere.csv does not exist" in done.stderr
    assert "every trial of this search would be refused so" in done.stderr
    assert not sweep.exists()
