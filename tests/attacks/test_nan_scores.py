"""An attack whose scores are NaN says nothing about membership: it must not come out as a
chance-level attack (AUC 0.5, TPR 0), which reads as 'no leak'."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.errors import ConfigError
from mia_defense.pipeline.evaluate import attack_observations
from tests.attacks.synthetic import full_observations


def _all_nan(obs, targets):
    return np.full((len(targets), len(obs.labels)), np.nan)


def _half_nan(obs, targets):
    scores = loss_attack(obs, targets).astype(np.float64)
    scores[:, ::2] = np.nan
    return scores


def test_an_attack_of_nan_scores_is_skipped_and_said(caplog):
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    with caplog.at_level(logging.WARNING):
        results = run_attacks(obs, {"loss": loss_attack, "mine": _all_nan, "half": _half_nan},
                              targets=np.arange(4), evaluation=EvaluationConfig(bootstrap=0))
    assert list(results) == ["loss", "half"]
    assert "attack mine skipped: it returned NaN for every score" in caplog.text
    assert "attack half: NaN for 400 of 800 scores; they rank as the least likely" in caplog.text


def test_a_run_whose_only_attack_gives_nan_has_no_verdict():
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    utility = {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
               "chance_accuracy": 0.1}
    with pytest.raises(ConfigError, match=r"attack.attacks: none of mine could run"):
        attack_observations(
            obs, {"mine": _all_nan}, targets=np.arange(4),
            evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(200, bool),
            population_idx=np.arange(200), utility=utility, privacy={}, defense={},
            training={},
        )
