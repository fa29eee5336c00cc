"""Shokri's attack classifier fits on float64 features of 2C + 1 columns a row (texas_like
at 3000 classes: 19506 training rows and the 3000 records a target is scored on, 1.08 GB),
which the up-front budget check did not count: mia-train dataset=texas_like
dataset.num_samples=6000 dataset.num_features=100 dataset.num_classes=3000
plan.num_models=16 plan.population_size=3000 plan.test_size=100 model=logistic passed the
check at 1.6 GB (the run's own peak 1.56 GB), trained every model, and only the attack
stage found the memory short. Its features are now counted beside the outputs and models
the attack stage holds, so such a run is refused before any training, naming the attack
and what to do (helper h458). The memory is patched; nothing large is allocated: the
refusal comes before the models are trained."""

from __future__ import annotations

import importlib
import re

import numpy as np
import pytest

from mia_defense.attacks.shokri import feature_bytes, fold_rows, shokri
from mia_defense.errors import ConfigError
from tests.conftest import compose_cfg
from tests.helpers import synthetic_observations

shokri_module = importlib.import_module("mia_defense.attacks.shokri")

MANY_CLASSES = ("dataset=texas_like", "dataset.num_samples=6000", "dataset.num_features=100",
                "dataset.num_classes=3000", "plan.num_models=16", "plan.population_size=3000",
                "plan.test_size=100", "model=logistic", "train.epochs=1", "attack.bootstrap=0",
                "attack.white_box=false", "attack.queries.num_augmented=0")  # fmt: skip
MEMORY = 16 * 10**8  # more than the run's own peak (1.56 GB), less than its attack stage


class Checked(Exception):
    """The budget check passed: the models would be trained now."""


def stop_after_the_budget_check(monkeypatch) -> None:
    """Make the run raise `Checked` once its up-front budget check has passed."""
    from mia_defense.pipeline import data

    check = data._check_budget

    def then_stop(*args, **kwargs):
        check(*args, **kwargs)
        raise Checked

    monkeypatch.setattr(data, "_check_budget", then_stop)


@pytest.fixture
def memory(monkeypatch):
    from mia_defense import budget

    monkeypatch.setattr(budget, "available_memory", lambda: MEMORY)
    stop_after_the_budget_check(monkeypatch)


def _run(tmp_path, *overrides: str) -> None:
    from mia_defense.cli.build import run

    run(compose_cfg(*MANY_CLASSES, *overrides), tmp_path)


def test_features_too_large_are_refused_before_training(memory, tmp_path):
    with pytest.raises(ConfigError) as refused:
        _run(tmp_path)
    said = str(refused.value)
    assert "\n" not in said, said  # the run's own check passes: the attack's line alone
    found = re.fullmatch(
        r"attack\.attacks\.shokri: its attack classifier's float64 features \((\d+) training "
        r"rows and the 3000 records a target is scored on, 2 x 3000 classes \+ 1 each\) need "
        r"about (\S+) GB beside the released outputs' and the models' \S+ MB, but 1\.6 GB is "
        r"available; lower attack\.attacks\.shokri\.max_train_samples \(now 20000\) or "
        r"plan\.population_size, use a dataset of fewer classes, or leave it out with "
        r"'~attack\.attacks\.shokri'", said)
    assert found, said
    rows, size = int(found[1]), float(found[2])
    assert 0 < rows <= 20000
    assert size == pytest.approx(feature_bytes(rows, 3000, 3000) / 1e9, abs=0.01)


@pytest.mark.parametrize("overrides", [("~attack.attacks.shokri",),
                                       ("attack.attacks.shokri.max_train_samples=1000",)])
def test_without_shokri_or_under_a_lower_cap_the_run_goes_on(memory, tmp_path, overrides):
    with pytest.raises(Checked):
        _run(tmp_path, *overrides)


def test_under_another_name_it_is_counted_too(memory, tmp_path):
    # (its classifier logistic, as TINY makes Shokri's: gradient boosting's rehearsal before
    # training on 6001 random features took 1.2 s; the features counted are the same)
    with pytest.raises(ConfigError, match=r"^attack\.attacks\.mine: its attack classifier's "):
        _run(tmp_path, "~attack.attacks.shokri", "+attack.attacks.mine._target_="
             "mia_defense.attacks.shokri", "+attack.attacks.mine._partial_=true",
             "+attack.attacks.mine.classifier=logistic")


@pytest.mark.parametrize("num_models, cap", [(2, 20000), (3, 20000), (8, 20000), (8, 500)])
def test_fold_rows_are_the_rows_shokri_fits_on(monkeypatch, num_models, cap):
    from sklearn.dummy import DummyClassifier

    fitted_rows = []

    class Counting(DummyClassifier):
        def fit(self, x, y):
            fitted_rows.append(len(x))
            assert x.shape[1] == 2 * 5 + 1 and x.dtype == np.float64  # `feature_bytes`' rows
            return super().fit(x, y)

    monkeypatch.setitem(shokri_module.CLASSIFIERS, "gradient_boosting", lambda seed: Counting())
    obs = synthetic_observations(num_models=num_models, num_samples=400, num_classes=5)
    targets = np.arange(num_models)
    shokri(obs, targets, max_train_samples=cap)
    # the most rows one classifier fits on; one fewer where a fold's one shadow is split in
    # two parts of unequal size (a floor: the check refuses only what cannot fit)
    assert 0 <= max(fitted_rows) - fold_rows(obs.masks, targets, max_train_samples=cap) <= 1
    assert feature_bytes(3, 2, 5) == 8 * 11 * 5
