"""An Optuna interval or range with its ends reversed ('interval(0.1, 0.01)', 'range(5, 1)',
'int(interval(5, 1))') or a range stepping down ('range(1, 5, -1)') stopped the search with
Optuna's traceback ('The `low` value must be smaller than or equal to the `high` value'),
naming no key. Each is refused before the search starts, naming the key and the fix."""

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
    (_params('train.lr: "interval(0.1, 0.01)"'),
     "ConfigError: hydra.sweeper.params: train.lr: interval(0.1, 0.01): its lower end (0.1) is "
     "above its upper end (0.01): Optuna has no value of train.lr to draw; nothing was run. "
     "Give the lower end first (and a range a step above 0), e.g. interval(0.01, 0.1)"),
    (_params('train.lr: "tag(log, interval(0.1, 0.01))"'),
     "train.lr: tag(log, interval(0.1, 0.01)): its lower end (0.1) is above its upper end"),
    (_params('train.epochs: "int(interval(5, 1))"'),
     "train.epochs: int(interval(5, 1)): its lower end (5) is above its upper end (1)"),
    (_params('train.epochs: "range(5, 1)"'),
     "train.epochs: range(5, 1): its start (5) is above its stop (1): Optuna has no value of "
     "train.epochs to draw; nothing was run. Give the lower end first (and a range a step "
     "above 0), e.g. range(1, 5)"),
    (_params('train.epochs: "range(1, 9, -2)"'),
     "train.epochs: range(1, 9, -2): its step (-2) is not above 0 (an Optuna search draws a "
     "range upward): Optuna has no value of train.epochs to draw; nothing was run. Give the "
     "lower end first (and a range a step above 0), e.g. range(1, 9, 2)"),
    # (h326: inf stopped the search with numpy's OverflowError; nan was 'above' the other end)
    (_params('model.dropout: "interval(0.1, inf)"'),
     "model.dropout: interval(0.1, inf): its ends must be finite numbers: Optuna has no value "
     "of model.dropout to draw between 0.1 and inf; nothing was run"),
    (_params('train.lr: "tag(log, interval(nan, 0.1))"'),
     "train.lr: tag(log, interval(nan, 0.1)): its ends must be finite numbers"),
])  # fmt: skip
def test_a_reversed_search_range_is_refused_naming_the_key(caplog, overrides, said) -> None:
    from mia_defense.cli.search_space_checks import refuse_reversed_search_ranges

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_reversed_search_ranges(_compose(*overrides))
    assert exc.value.code == 2
    assert said in caplog.text


@pytest.mark.parametrize("overrides", [
    ["hparams_search=optuna_tradeoff"],
    _params('train.lr: "interval(0.01, 0.01)", train.epochs: "range(1, 3)"'),  # one value
    _params('train.epochs: "shuffle(range(5, 1, -1))"'),  # (a choice of 5, 4, 3, 2)
    # a grid sweep (Hydra's basic sweeper) runs it: 5, 4, 3, 2
    ['+hydra.sweeper.params={train.epochs: "range(5, 1, -1)"}'],
])  # fmt: skip
def test_ranges_optuna_draws_from_pass(overrides) -> None:
    from mia_defense.cli.search_space_checks import refuse_reversed_search_ranges

    refuse_reversed_search_ranges(_compose(*overrides))  # (a refusal raises SystemExit)


def test_a_reversed_interval_ends_without_a_traceback(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom", "hydra.sweeper.n_trials=1",
                     '+hydra.sweeper.params={train.lr: "interval(0.1, 0.01)"}',
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert "train.lr: interval(0.1, 0.01): its lower end (0.1) is above" in done.stderr
    assert "Traceback" not in done.stderr
    assert not sweep.exists()


def test_a_reversed_interval_on_the_command_line_is_refused(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom", "hydra.sweeper.n_trials=1",
                     "train.lr=interval(0.1,0.01)", f"hydra.sweep.dir={sweep}",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("ConfigError: train.lr=interval(0.1,0.01): its lower end (0.1) is above its upper "
            "end (0.01)") in done.stderr
    assert "Traceback" not in done.stderr
    assert not sweep.exists()
