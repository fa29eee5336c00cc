"""A built-in training defense at the setting where it does nothing is said before training,
as a full release under a release's name is (test_h112_full_release_by_another_name): with
defense.label_smoothing.smoothing=0, dropout.p=0, weight_decay.coefficient=0 or
advreg.strength=0 the models trained exactly as the undefended run (digits, K=4, 2 epochs:
test accuracy 0.741 both, the same strongest attack and TPR), unsaid, while results.json and
mia-report named the run by the defense."""

from __future__ import annotations

import logging

import pytest

from mia_defense.cli.build import build_experiment
from mia_defense.defenses import AdversarialRegularization, Dropout, LabelSmoothing, WeightDecay
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
