"""An Optuna search given a key on the command line both as values to search and as one
value (``mia-train -m hparams_search=optuna_tradeoff seed=3 seed=1,2``) ran every trial with
the one value: the Optuna sweeper takes a key given one value out of its search space
whichever comes last (its ``create_params_from_overrides``: a fixed value, then 'Remove
fixed parameters from Optuna search space'), where a grid sweep runs the last. The search
ran seed=3 throughout, warning only that seed was searched; ``seed=1,2 seed=3`` was told
'Hydra keeps only the last', which is no rule of a search. Both orders are refused now,
naming both overrides (h560)."""

from __future__ import annotations

import logging
import shlex

import pytest
from hydra import compose, initialize_config_module
from omegaconf import open_dict

from tests.helpers import mia_train

TINY = ["plan.num_models=2", "plan.population_size=200", "progress=false", "figures=false",
        "attack.bootstrap=0", "hydra.sweeper.n_jobs=1", "train.epochs=1",
        "hydra.sweeper.n_trials=1"]  # fmt: skip


def _said(fixed: str, swept: str) -> str:
    key = swept.partition("=")[0]
    return (f"{key} is given on the command line both as values to search ({swept}) and as "
            f"one value ({fixed}): the Optuna sweeper puts the one value in every trial, "
            f"whichever comes last, so every trial would run {fixed}; nothing was run. "
            f"Give {key} once: {shlex.quote(swept)} to search it, or {shlex.quote(fixed)} to "
            "fix it")  # fmt: skip


@pytest.mark.parametrize("order", [("seed=3", "seed=1,2"), ("seed=1,2", "seed=3")])
def test_a_search_given_a_key_swept_and_fixed_is_refused(tmp_path, order) -> None:
    sweep = tmp_path / "s"
    done = mia_train("-m", "hparams_search=optuna_tradeoff", *TINY, *order,
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert _said("seed=3", "seed=1,2") in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and not sweep.exists()


def _compose(*overrides: str, swept: tuple[str, ...] = ()):
    """The config of ``overrides``, with ``swept`` on the command line as a sweep's."""
    with initialize_config_module(config_module="mia_defense.conf", version_base="1.3"):
        config = compose("config", overrides=list(overrides), return_hydra_config=True)
    with open_dict(config):
        config.hydra.overrides.task = [*config.hydra.overrides.task, *swept]
    return config


@pytest.mark.parametrize(("overrides", "swept", "said"), [
    (["hparams_search=optuna_tradeoff", "train.lr=0.01"], ("train.lr=choice(0.01,0.1)",),
     _said("train.lr=0.01", "train.lr=choice(0.01,0.1)")),
    (["hparams_search=optuna_custom", "attack.bootstrap=0"],
     ("attack.bootstrap=interval(0,1)",),
     _said("attack.bootstrap=0", "attack.bootstrap=interval(0,1)")),
])  # fmt: skip
def test_any_search_value_beside_one_value_is_refused(caplog, overrides, swept, said) -> None:
    from mia_defense.cli.search_checks import refuse_keys_searched_and_fixed

    with caplog.at_level(logging.ERROR), pytest.raises(SystemExit) as exc:
        refuse_keys_searched_and_fixed(_compose(*overrides, swept=swept))
    assert exc.value.code == 2
    assert said in caplog.text, caplog.text


@pytest.mark.parametrize(("overrides", "swept"), [
    (["seed=3"], ("seed=1,2",)),  # (a grid: the last runs, seed=1 and seed=2)
    (["hparams_search=optuna_tradeoff", "seed=3"], ()),  # (one seed for the whole search)
    (["hparams_search=optuna_tradeoff"], ("seed=1,2",)),
    (["hparams_search=optuna_tradeoff", "model=mlp"], ("seed=1,2",)),  # (another key fixed)
])  # fmt: skip
def test_a_key_given_once_or_a_grid_passes(overrides, swept) -> None:
    from mia_defense.cli.search_checks import refuse_keys_searched_and_fixed

    refuse_keys_searched_and_fixed(_compose(*overrides, swept=swept))  # (refused: SystemExit)


def test_a_search_of_that_key_alone_is_refused_in_the_same_words(tmp_path) -> None:
    """With no other key searched, the check that every key has one value came first and
    named only seed=3: the key given both ways is refused before it (h560's left-over)."""
    sweep = tmp_path / "s"
    tiny = [*TINY[:-1], "hydra.sweeper.n_trials=2"]
    done = mia_train("-m", "hparams_search=optuna_custom", *tiny, "seed=3", "seed=1,2",
                     f"hydra.sweep.dir={sweep}", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert _said("seed=3", "seed=1,2") in done.stderr, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and not sweep.exists()
