"""A key of the Optuna search space also given one value on the command line (``train.epochs=1``
beside ``hydra.sweeper.params={train.epochs: ...}``) is taken out of the search by the
sweeper, unsaid: where that left no key, every trial ran the same run (the first trained,
the rest skipped as finished) and optimization_results.yaml listed that one point n_trials
times as the Pareto front. Refused where no key is left, warned where some are."""

from __future__ import annotations

import pytest

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "hydra.sweeper.n_jobs=1"]  # fmt: skip


def test_a_search_space_all_fixed_on_the_command_line_is_refused(tmp_path) -> None:
    sweep = tmp_path / "sweep"
    done = mia_train("-m", *TINY, "hparams_search=optuna_custom", "hydra.sweeper.n_trials=3",
                     '+hydra.sweeper.params={train.epochs: "int(interval(1, 3))"}',
                     "train.epochs=1", f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert ("ConfigError: hydra.sweeper.params: every key of the search space is given one "
            "value on the command line (train.epochs=1), which takes it out of the search: the "
            "Optuna search would run the same run hydra.sweeper.n_trials times; nothing was "
            "run. Drop train.epochs=1 from the command line, or search another key"
            ) in done.stderr  # fmt: skip
    assert not sweep.exists()


@pytest.mark.slow
def test_a_key_of_the_space_fixed_on_the_command_line_is_warned_and_the_rest_searched(tmp_path):
    sweep = tmp_path / "sweep"
    # (epochs enough for a verdict: a search whose trials have none ends with exit 2, c700d74b)
    done = mia_train("-m", *TINY, "hparams_search=optuna_tradeoff", "hydra.sweeper.n_trials=1",
                     "train.epochs=30", f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert ("train.epochs=30 on the command line takes train.epochs out of the Optuna search "
            "space (hydra.sweeper.params): it is not searched; drop it to search it"
            ) in done.stderr  # fmt: skip
    assert (sweep / "optimization_results.yaml").is_file()


def _compose(*overrides: str):
    from hydra import compose, initialize_config_module

    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        return compose("config", overrides=["hparams_search=optuna_custom", *overrides],
                       return_hydra_config=True)  # fmt: skip


@pytest.mark.parametrize(("overrides", "said"), [
    (['+hydra.sweeper.params={train.lr: "0.01"}'], "(train.lr: 0.01)"),
    (['+hydra.sweeper.params={train.lr: "range(0.01, 0.1)"}'],  # (a step of 1: 0.01 alone)
     "(train.lr: range(0.01, 0.1))"),
    (['+hydra.sweeper.params={train.lr: "choice(0.1)", train.epochs: "choice(3, 4)"}',
      "train.epochs=1"], "(train.lr: choice(0.1); train.epochs=1 on the command line)"),
])  # fmt: skip
def test_a_search_space_of_one_point_is_refused(caplog, overrides, said) -> None:
    """Each trial ran the same run (the first trained, the rest skipped as finished)."""
    import logging

    from mia_defense.cli.search_space_checks import require_search_space

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit):
        require_search_space(_compose(*overrides))
    assert (f"ConfigError: hydra.sweeper.params: every key of the search space has one value "
            f"{said}: the Optuna search would run the same run hydra.sweeper.n_trials times; "
            "nothing was run. Give a key values to search") in caplog.text  # fmt: skip


@pytest.mark.parametrize("overrides", [
    ['+hydra.sweeper.params={train.lr: "choice(0.1, 0.2)", train.epochs: "choice(3)"}'],
    ['+hydra.sweeper.params={train.lr: "0.01", train.epochs: "int(interval(1, 3))"}'],
    ['+hydra.sweeper.params={train.lr: "choice(0.1)"}', "hydra.sweeper.n_trials=1"],  # once
    # an Optuna range includes its stop: 1 and 2 (a grid sweep's range(1, 2) is 1 alone)
    ['+hydra.sweeper.params={train.epochs: "range(1, 2)"}'],
])  # fmt: skip
def test_a_search_space_with_a_key_to_search_passes(overrides) -> None:
    from mia_defense.cli.search_space_checks import require_search_space

    require_search_space(_compose(*overrides))


@pytest.mark.parametrize(("value", "why"), [
    ("choice()", "ValueError while evaluating 'choice()': empty choice is not legal"),
    ("interval(0.1", "no viable alternative at input 'interval(0.1'"),
])  # fmt: skip
def test_a_search_value_hydra_cannot_read_is_named_not_the_sweep_dir(tmp_path, value, why):
    """It was put on hydra.sweep.dir: 'hydra.sweep.dir=...: cannot be checked (...). Point
    hydra.sweep.dir at a new or empty directory'."""
    sweep = tmp_path / "sweep"
    done = mia_train("-m", "hparams_search=optuna_custom", "hydra.sweeper.n_trials=1",
                     f'+hydra.sweeper.params={{train.lr: "{value}"}}',
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert (f"ConfigError: hydra.sweeper.params: train.lr: {value}: Hydra cannot read it "
            f"({why}); nothing was run. Write it in Hydra's sweep grammar") in done.stderr
    assert "hydra.sweep.dir" not in done.stderr
    assert not sweep.exists()
