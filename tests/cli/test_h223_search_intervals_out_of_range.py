"""An Optuna interval reaching values its key refuses: a log interval from 0 stopped the search
with Optuna's traceback ('The `low` value must be larger than 0 for a log distribution');
'train.lr: interval(-0.1, 0.1)', 'attack.confidence: interval(0.5, 1.5)' or
'plan.num_models: int(interval(2, 8))' (odd counts) had each trial drawn there refused, after
the search made its folders. Each is refused before the search starts."""

from __future__ import annotations

import logging

import pytest
from hydra import compose, initialize_config_module

from tests.helpers import mia_train


def _compose(*overrides: str):
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=list(overrides), return_hydra_config=True)


def _params(space: str) -> list[str]:
    return ["hparams_search=optuna_custom", f"+hydra.sweeper.params={{{space}}}"]


@pytest.mark.parametrize(("overrides", "said"), [
    (_params('train.lr: "tag(log, interval(0, 0.1))"'),
     "hydra.sweeper.params: train.lr: tag(log, interval(0, 0.1)): a log interval needs a lower "
     "end above 0 (Optuna draws its logarithm); nothing was run. Start it above 0, e.g. "
     "tag(log, interval(0.0001, 0.1))"),
    (_params('train.lr: "interval(-0.1, 0.1)"'),
     "hydra.sweeper.params: train.lr: interval(-0.1, 0.1): train.lr must be a finite number > "
     "0, and the interval reaches beyond it (each trial drawn there would be refused); nothing "
     "was run. Keep the interval within it"),
    (_params('attack.confidence: "interval(0.5, 1.5)"'),
     "attack.confidence must be a number in (0, 1), and the interval reaches beyond it"),
    (_params('train.epochs: "int(interval(0, 3))"'),
     "train.epochs must be an integer >= 1, and the interval reaches beyond it"),
    (_params('plan.num_models: "int(interval(2, 8))"'),
     "plan.num_models must be an even integer in [2, 4096] (every sample trains half of the "
     "models; the cost grows with K and Carlini et al. 2022 use 256), and an interval of "
     "integers draws odd ones too (each trial drawing one would be refused); nothing was run. "
     "Name the values, e.g. choice(2, 8)"),
    (_params('attack.attacks.shokri.folds: "int(interval(1, 5))"'),
     "attack.attacks.shokri.folds must be an integer >= 2"),  # (TARGET_PARAMS' Param)
])  # fmt: skip
def test_an_interval_beyond_its_keys_range_is_refused(caplog, overrides, said) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_intervals_out_of_range(_compose(*overrides))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    ["hparams_search=optuna_tradeoff"],
    _params('train.lr: "interval(0, 0.1)", train.momentum: "interval(0.0, 1.0)"'),  # open ends
    _params('attack.confidence: "interval(0.5, 1.0)", plan.num_models: "choice(2, 4, 8)"'),
    _params('train.lr: "tag(log, interval(1e-4, 1e-1))", model.dropout: "interval(0, 0.9)"'),
    _params('plan.num_models: "int(interval(4, 4))"'),
])  # fmt: skip
def test_intervals_within_their_keys_range_pass(overrides) -> None:
    from mia_defense.cli.search_checks import refuse_intervals_out_of_range

    refuse_intervals_out_of_range(_compose(*overrides))  # (a refusal raises SystemExit)


def test_a_log_interval_from_zero_ends_without_a_traceback(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom", "hydra.sweeper.n_trials=1",
                     '+hydra.sweeper.params={train.lr: "tag(log, interval(0, 0.1))"}',
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "a log interval needs a lower end above 0" in done.stderr
    assert "Traceback" not in done.stderr
    assert not sweep.exists()
