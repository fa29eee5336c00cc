"""h377: settings refused before training (before the run folder), in the words of the
later refusal they stand for."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attacks.shokri import few_records_plan, shokri
from mia_defense.config import check_config
from mia_defense.errors import ConfigError
from mia_defense.pipeline.data import (
    warn_one_class_test_set,
    warn_small_reference_split,
    warn_small_test_set,
)
from mia_defense.plan import balanced_masks


def test_shokri_on_too_few_records_is_refused_before_training(make_cfg):
    """mia-train plan.population_size=2 plan.num_models=2 train.batch_size=1 trained its
    models, then shokri refused it in the run folder: 'no training rows are left for one of
    its attack classifiers'. The plan's sizes alone tell: refused up front, same words."""
    with pytest.raises(ConfigError, match=(
            r"attack\.attacks\.shokri: no training rows are left for one of its attack "
            r"classifiers: too few records .* raise plan\.population_size=2 \(at least 4 "
            r"with plan\.num_models=2\), or leave it out with '~attack\.attacks\.shokri'")):
        check_config(make_cfg("plan.population_size=2", "plan.num_models=2"))
    check_config(make_cfg("plan.population_size=2", "plan.num_models=2",
                          "~attack.attacks.shokri"))
    check_config(make_cfg("plan.population_size=2", "plan.num_models=4"))


@pytest.mark.parametrize(("num_models", "population"), [(2, 2), (2, 3), (3, 2), (3, 3)])
def test_the_plans_refused_up_front_are_those_shokri_always_refuses(num_models, population):
    """Every mask draw of such a plan leaves shokri unable to train (so the early refusal
    refuses no run that would have finished)."""
    assert few_records_plan(num_models, population, 2)
    for seed in range(8):
        masks = balanced_masks(num_models, population, np.random.default_rng(seed))
        obs = api.observations_from_arrays(np.zeros((num_models, population, 3)), masks,
                                           np.arange(population) % 3, kind="logits")
        with pytest.raises(ConfigError, match="attack shokri"):
            shokri(obs, np.arange(num_models))


@pytest.mark.parametrize(("num_models", "population", "folds"),
                         [(2, 4, 2), (4, 2, 2), (3, 3, 3), (16, 2, 2)])
def test_plans_shokri_may_train_on_are_left_to_it(num_models, population, folds):
    assert not few_records_plan(num_models, population, folds)


@pytest.mark.parametrize("value", ["float64", "torch.float64"])
def test_a_torch_dtype_in_the_config_is_refused_with_what_to_do(make_cfg, value):
    """mia-train model._target_=torch.nn.Linear ... +model.dtype=float64 loaded the data,
    then ended in torch's 'argument 'dtype' must be torch.dtype, not str'."""
    with pytest.raises(ConfigError) as refused:
        check_config(make_cfg("model=custom", "model._target_=torch.nn.Linear",
                              "+model.in_features=64", "+model.out_features=10",
                              f"+model.dtype={value}"))
    assert str(refused.value).splitlines()[-1] == (
        f"model.dtype='{value}': a config cannot give a torch dtype (it holds strings and "
        "numbers, not torch.dtype objects); leave dtype out and use a model class of your own "
        "that sets it (e.g. its __init__ ends with self.to(torch.float64)), named by "
        "model._target_")
    check_config(make_cfg("model=custom", "model._target_=torch.nn.Linear",
                          "+model.in_features=64", "+model.out_features=10",
                          "+model.dtype=null"))


def test_distillation_on_a_tiny_reference_split_says_the_students_learn_little(caplog):
    """mia-train defense=distillation plan.reference_size=1 was warned that it measured 'a
    defense that barely acted', yet its students took the models to chance (accuracy
    0.138, 7 of 16 models at chance): the warning now says what happens, in one line."""
    distillation = SimpleNamespace(name="distillation", needs_reference=True)
    with caplog.at_level(logging.WARNING):
        warn_small_reference_split([distillation], np.array([3]), num_classes=10)
    assert caplog.messages == [
        "plan.reference_size=1: the reference split holds 1 record, and 9 of the 10 classes "
        "are not in it: too little for defense.distillation: its students train on those "
        "records alone and learn little of the task, so the models' accuracy may fall to "
        "chance and the privacy figures are those of models that learned nothing; raise "
        "plan.reference_size (e.g. plan.reference_size=300)"]


def test_a_test_set_of_one_record_is_not_called_records(caplog):
    """plan.test_size=1 warned 'the test set (1 records) holds class 0 alone' and 'the test
    set holds 1 records'."""
    plan = SimpleNamespace(test_idx=np.array([4]))
    with caplog.at_level(logging.WARNING):
        warn_one_class_test_set(SimpleNamespace(y=np.zeros(8, dtype=int), num_classes=10), plan)
        warn_small_test_set(plan)
    assert caplog.messages[0].startswith("the test set (1 record) holds class 0 alone: ")
    assert caplog.messages[1].startswith("the test set holds 1 record: ")
