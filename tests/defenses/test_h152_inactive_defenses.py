"""A built-in training defense at the setting where it does nothing is said before training,
as a full release under a release's name is (test_h112_full_release_by_another_name): with
defense.label_smoothing.smoothing=0, dropout.p=0, weight_decay.coefficient=0 or
advreg.strength=0 the models trained exactly as the undefended run (digits, K=4, 2 epochs:
test accuracy 0.741 both, the same strongest attack and TPR), unsaid, while results.json and
mia-report named the run by the defense."""

from __future__ import annotations

import logging
import math

import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.defenses import (
    AdversarialRegularization,
    Dropout,
    LabelSmoothing,
    RelaxLoss,
    WeightDecay,
)
from mia_defense.defenses.compose import warn_inactive_defenses
from mia_defense.pipeline.data import prepare_data

SAID = "defense does nothing while results.json and mia-report name the run by it"


@pytest.mark.parametrize(("defense", "start"), [
    (LabelSmoothing(smoothing=0.0), "defense.label_smoothing.smoothing=0: smooths no label"),
    (Dropout(p=0.0), "defense.dropout.p=0: drops no feature"),
    (WeightDecay(coefficient=0), "defense.weight_decay.coefficient=0: adds no penalty"),
    (AdversarialRegularization(strength=0.0), "defense.advreg.strength=0: gives the"),
])
def test_a_defense_that_does_nothing_is_said(caplog, defense, start):
    with caplog.at_level(logging.WARNING):
        warn_inactive_defenses([defense])
    said = [m for m in caplog.messages if SAID in m]
    assert len(said) == 1 and said[0].startswith(start)
    assert f"choose defense.{defense.name}." in said[0]


@pytest.mark.parametrize("defense", [
    LabelSmoothing(smoothing=1e-3), Dropout(p=0.1), WeightDecay(coefficient=1e-6),
    AdversarialRegularization(strength=0.5), LabelSmoothing(),
])
def test_a_defense_that_acts_is_not_said(caplog, defense):
    with caplog.at_level(logging.WARNING):
        warn_inactive_defenses([defense])
    assert not [m for m in caplog.messages if SAID in m]


def test_a_run_says_it_once_before_training_in_a_stack(make_cfg, caplog):
    cfg = make_cfg("defense=[label_smoothing,dropout]", "defense.dropout.p=0",
                   "plan.num_models=4")
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        prepare_data(build_experiment(cfg))
    said = [m for m in caplog.messages if SAID in m]
    assert len(said) == 1 and said[0].startswith("defense.dropout.p=0: drops no feature")


@pytest.mark.parametrize(("alpha", "classes", "said"), [
    (3.0, 10, True), (1.0, 2, True), (math.log(10), 10, True),
    (2.2, 10, False), (0.5, 2, False), (0.5, 10, False),
])
def test_relaxloss_at_or_above_a_uniform_guess_is_said(caplog, alpha, classes, said):
    """RelaxLoss ascends the members' loss below alpha: at or above ln C it held the models
    where a uniform guess is (breast_cancer, alpha=1 > ln 2, 10 epochs: test accuracy 0.114,
    chance 0.601; digits, alpha=3: 0.065, chance 0.112) and the run ended with no privacy
    verdict and no word of why."""
    with caplog.at_level(logging.WARNING):
        warn_inactive_defenses([RelaxLoss(alpha=alpha)], num_classes=classes)
    found = [m for m in caplog.messages if "the loss of a uniform guess" in m]
    assert len(found) == int(said)
    if said:
        assert found[0].startswith(f"defense.relaxloss.alpha={alpha:g}: at or above ln "
                                   f"{classes} = {math.log(classes):.4g}")
        assert f"choose alpha below {math.log(classes):.4g}" in found[0]


def test_a_run_says_relaxloss_above_a_guess_before_training(make_cfg, caplog):
    cfg = make_cfg("dataset=breast_cancer", "defense=relaxloss", "defense.relaxloss.alpha=1",
                   "plan.num_models=4")
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        prepare_data(build_experiment(cfg))
    found = [m for m in caplog.messages if "the loss of a uniform guess" in m]
    assert len(found) == 1 and found[0].startswith("defense.relaxloss.alpha=1: at or above ln 2")
