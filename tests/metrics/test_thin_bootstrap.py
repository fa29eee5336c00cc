"""Too few bootstrap resamples for the interval's confidence are said, not printed as a
95% interval."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.pipeline.evaluate import attack_observations
from tests.helpers import synthetic_observations


def _attack(bootstrap: int, confidence: float = 0.95):
    obs = synthetic_observations(num_models=4, num_samples=200, signal=2.0)
    utility = {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
               "chance_accuracy": 0.1}
    return attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.01,), bootstrap=bootstrap, confidence=confidence),
        is_canary=np.zeros(200, bool), population_idx=np.arange(200), utility=utility,
        privacy={}, defense={}, training={},
    )


@pytest.mark.parametrize(("bootstrap", "confidence", "needed"),
                         [(20, 0.95, 200), (199, 0.95, 200), (99, 0.99, 1000)])
def test_too_few_resamples_for_the_confidence_are_warned(caplog, bootstrap, confidence, needed):
    with caplog.at_level(logging.WARNING):
        _attack(bootstrap, confidence)
    assert (f"attack.bootstrap={bootstrap} resamples leave" in caplog.text
            and f"use attack.bootstrap={needed} or more for" in caplog.text)


@pytest.mark.parametrize("bootstrap", [0, 200])
def test_enough_resamples_or_none_are_not_warned(caplog, bootstrap):
    with caplog.at_level(logging.WARNING):
        _attack(bootstrap)
    assert "FEW RESAMPLES" not in caplog.text


def test_a_level_no_resample_count_can_reach_names_its_digits_and_the_way_out(caplog):
    """attack.confidence=0.999999999999: the warning spoke of '100% intervals' and sent the
    user to attack.bootstrap=2000044244420, above the 100000 that is accepted."""
    with caplog.at_level(logging.WARNING):
        _attack(10, 0.999999999999)
    assert "tail of the 99.9999999999% intervals" in caplog.text and "100%" not in caplog.text
    assert ("above the 100000 attack.bootstrap allows: lower attack.confidence to at most "
            "0.9999") in caplog.text  # fmt: skip
