"""An Optuna search drawing floats for a key that takes integers only (``train.epochs:
interval(1, 3)``: Optuna draws 2.0976... from an interval of integers unless it is cast) made
its sweep folder and a folder per trial, each refused ('train.epochs=2.0976270078546495:
must be an integer >= 1'), and ended with no result. It is refused before anything is made,
with the cast to write: int(interval(1, 3))."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0"]  # fmt: skip
SEARCH = ["hparams_search=optuna_custom", "hydra.sweeper.n_trials=1", "hydra.sweeper.n_jobs=1"]


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def _params(space: str) -> list[str]:
    return ["hparams_search=optuna_custom", f"+hydra.sweeper.params={{{space}}}"]


@pytest.mark.parametrize(("overrides", "said"), [
    (_params('train.epochs: "interval(1, 3)"'),
     "hydra.sweeper.params: train.epochs: interval(1, 3): train.epochs takes integers only and "
     "every trial would be refused (an interval draws floats unless cast; write train.epochs: "
     "int(interval(1, 3))); nothing was run"),
    (_params('train.epochs: "tag(log, interval(1, 30))"'),
     "write train.epochs: tag(log, int(interval(1, 30)))"),
    (_params('plan.num_models: "interval(2, 8)"'), "plan.num_models takes integers only"),
    (_params('seed: "range(0, 2, 0.5)"'),
     "seed takes integers only and every trial would be refused (a range with a float bound "
     "or step gives floats; give it integers)"),
    (["defense=advreg", *_params('defense.advreg.attack_steps: "interval(1, 4)"')],
     "defense.advreg.attack_steps takes integers only"),  # (a defense's own argument)
    (["dataset=purchase_like", *_params('dataset.num_features: "interval(10, 40)"')],
     "dataset.num_features takes integers only"),
    (_params('attack.attacks.shokri.folds: "interval(2, 5)"'),
     "attack.attacks.shokri.folds takes integers only"),  # (TARGET_PARAMS' Param)
])  # fmt: skip
def test_a_float_search_over_an_integer_key_is_refused(caplog, overrides, said) -> None:
    from mia_defense.cli.search_space_checks import refuse_float_ranges_on_integer_keys

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_float_ranges_on_integer_keys(_compose(*overrides))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    _params('train.epochs: "int(interval(1, 3))", model.dropout: "interval(0.0, 0.5)"'),
    _params('train.lr: "tag(log, interval(1e-3, 1e-1))", seed: "range(0, 3)"'),
    ["defense=dp", *_params('defense.dp.noise_multiplier: "interval(0.5, 2)"')],
    _params('defense: "choice(none, dp)", defense.dp.max_grad_norm: "interval(1, 2)"'),
    ["hparams_search=optuna_tradeoff"],
])  # fmt: skip
def test_float_searches_over_float_keys_and_cast_ones_pass(overrides) -> None:
    from mia_defense.cli.search_space_checks import refuse_float_ranges_on_integer_keys

    refuse_float_ranges_on_integer_keys(_compose(*overrides))  # (a refusal raises SystemExit)


def test_a_float_interval_on_the_command_line_is_refused_before_the_sweep_folder(tmp_path):
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, *SEARCH, "train.epochs=interval(1,3)",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("ConfigError: train.epochs=interval(1,3): train.epochs takes integers only and "
            "every trial would be refused (an interval draws floats unless cast; write "
            "train.epochs: int(interval(1,3))); nothing was run") in done.stderr
    assert not sweep.exists()
