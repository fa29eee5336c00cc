"""An Optuna search's value that only the run's whole config check refuses passed the
search checks: a model's argument, which has no rule of its own ('model.dropout:
choice(fast, 0.1)': "model.dropout='fast': must be a number"), or a value refused against
another setting ('attack.num_targets: choice(1, 4)' beside plan.num_models=2, 'seed:
choice(1, 9999999999)': above scikit-learn's seeds). Each trial drawing it was refused after
the search made its folders. The search is refused before it starts, in the run's check's
words; valid values, a value pointing at another setting and a group the search chooses
pass."""

from __future__ import annotations

import logging

import pytest

from tests.cli.test_h228_search_points_out_of_range import _compose, _params
from tests.helpers import mia_train


@pytest.mark.parametrize(("overrides", "said"), [
    (_params('model.dropout: "choice(fast, 0.1)"'),
     "hydra.sweeper.params: model.dropout: choice(fast, 0.1): the choice draws 'fast', which "
     "the run's config check refuses (model.dropout='fast': must be a number"),
    (["plan.num_models=2", *_params('attack.num_targets: "choice(1, 4)"')],
     "attack.num_targets: choice(1, 4): the choice draws 4, which the run's config check "
     "refuses (attack.num_targets=4: must lie in [1, 2] (plan.num_models)"),
    (["plan.num_models=2", *_params('attack.num_targets: "int(interval(1, 4))"')],
     "the interval draws 4, which the run's config check refuses (attack.num_targets=4"),
    (["plan.num_models=2", *_params('attack.num_targets: "range(1, 4)"')],
     "the range draws 4, which the run's config check refuses (attack.num_targets=4"),
    (["attack.num_targets=4", *_params('plan.num_models: "choice(2, 8)"')],
     "plan.num_models: choice(2, 8): the choice draws 2, which the run's config check refuses "
     "(attack.num_targets=4: must lie in [1, 2]"),
    (_params('seed: "choice(1, 9999999999)"'),
     "the choice draws 9999999999, which the run's config check refuses (seed=9999999999: "
     "at most"),
    # (another swept key at its config value is refused already: a problem naming the key)
    (["defense=dp", "defense.dp.target_epsilon=null", *_params(
        'defense.dp.noise_multiplier: "interval(0.5, 3.0)", model.dropout: "choice(0.1, x)"')],
     "the choice draws 'x', which the run's config check refuses (model.dropout='x'"),
    # (on the command line)
    ((["hparams_search=optuna_custom"], ("model.dropout=choice(0.1,fast)",)),
     "model.dropout=choice(0.1,fast): the choice draws 'fast', which"),
])  # fmt: skip
def test_a_value_the_run_refuses_is_refused_up_front(caplog, overrides, said) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    overrides, swept = overrides if isinstance(overrides, tuple) else (overrides, ())
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides, swept=swept))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize(("overrides", "swept"), [
    (_params('model.dropout: "choice(0.0, 0.1)"'), ()),
    (["plan.num_models=4", *_params('attack.num_targets: "choice(1, 4)"')], ()),
    (_params('seed: "choice(0, 1, 2)"'), ()),
    (["hparams_search=optuna_custom"], ("model.dropout=choice(0,${train.weight_decay})",)),
    # (a group the search chooses: Hydra composes it; not a value of the key 'model')
    (_params('model: "choice(mlp, cnn)"'), ()),
    # (README's example; DP-SGD's two settings, one swept and one set to null)
    (["defense=dp", "defense.dp.target_epsilon=null", *_params(
        'defense.dp.noise_multiplier: "choice(0.5, 3.0)", train.lr: "choice(0.1, 0.01)"')], ()),
])  # fmt: skip
def test_values_the_run_takes_pass(overrides, swept) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    refuse_intervals_out_of_range(_compose(*overrides, swept=swept))  # (refused: SystemExit)


def test_the_search_makes_no_folder(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom",
                     '+hydra.sweeper.params={model.dropout: "choice(fast, 0.1)"}',
                     "hydra.sweeper.n_trials=3", "hydra.sweeper.n_jobs=1", "plan.num_models=2",
                     "train.epochs=1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "model.dropout: choice(fast, 0.1): the choice draws 'fast', which" in done.stderr
    assert not sweep.exists()


def _check_in_hydra(*overrides: str, swept: tuple[str, ...] = ()) -> None:
    """`refuse_intervals_out_of_range` of the config of ``overrides`` (``swept`` on its
    command line), with Hydra's loader at hand as in mia-train's callback."""
    from hydra import compose, initialize_config_module
    from omegaconf import open_dict

    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=list(overrides), return_hydra_config=True)
        with open_dict(config):
            config.hydra.overrides.task = [*config.hydra.overrides.task, *swept]
        refuse_intervals_out_of_range(config)


@pytest.mark.parametrize(("overrides", "swept", "said"), [
    # (on images: model=cnn on digits' flat features is refused itself, test_h464's)
    (["dataset=digits_images", *_params('model: "choice(cnn, mlp)", model.dropout: '
                                        '"choice(fast, 0.1)"')], (),
     "hydra.sweeper.params: model.dropout: choice(fast, 0.1): the choice draws 'fast' with "
     "model=cnn, which the run's config check refuses (model.dropout='fast': must be a number"),
    # (an option without the key: Hydra's 'Could not override' stopped the search)
    (_params('model: "choice(mlp, logistic)", model.dropout: "choice(0.0, 0.1)"'), (),
     "model.dropout is no key of model=logistic (the run's config check: model.dropout=0.0: "
     "unknown key 'dropout'"),
    (["hparams_search=optuna_custom", "dataset=digits_images"],
     ("model=choice(mlp,cnn)", "model.dropout=choice(fast,0.1)"),
     "model.dropout=choice(fast,0.1): the choice draws 'fast' with model=mlp, which"),
])  # fmt: skip
def test_a_value_under_a_group_the_search_chooses_is_checked_under_each(caplog, overrides,
                                                                         swept, said) -> None:
    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        _check_in_hydra(*overrides, swept=swept)
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    ["dataset=digits_images", *_params('model: "choice(mlp, cnn)", model.dropout: '
                                       '"choice(0.0, 0.1)"')],
    ["dataset=digits_images", *_params('model: "choice(cnn, wide_resnet)", model.groups: '
                                       '"choice(4, 8)"')],
    _params('release: "choice(topk, label_only)", attack.white_box: "choice(true, false)"'),
])  # fmt: skip
def test_values_under_a_chosen_group_its_options_take_pass(overrides) -> None:
    _check_in_hydra(*overrides)  # (refused: SystemExit)
