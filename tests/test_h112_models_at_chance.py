"""Training that failed in some of the K models only (train.lr=0.2 on digits, K=8: 4 models at
or below the majority class's 0.112, the others at 0.16-0.33): the mean (0.171) and the
median (0.143) are above chance, so the run got a verdict and a place on the Pareto front as
any other, while the attacks pooled the chance-level scores of the failed targets with the
others', understating the leak of the models that learned. It is said now: a warning,
``utility.test_accuracy_models_at_chance`` in results.json and a caveat in mia-report."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import attack_observations
from mia_defense.pipeline.utility import released_accuracy
from mia_defense.report.checks import caveats
from mia_defense.report.checks.notes import models_at_chance_note
from tests.attacks.synthetic import full_observations


def _test_outputs(accurate: list[bool], labels: np.ndarray) -> np.ndarray:
    """Log-probabilities [K, T, 3]: a model that learned answers the label, one that did not
    always answers class 0 (the majority)."""
    answer = np.stack([labels if ok else np.zeros_like(labels) for ok in accurate])
    return np.log(np.where(np.eye(3, dtype=bool)[answer], 0.98, 0.01))


def test_released_accuracy_counts_the_models_not_above_chance():
    obs = full_observations(signal=1.0, num_models=4, num_samples=60, num_classes=3)
    y_test = np.array([0] * 5 + [1] * 3 + [2] * 2)  # majority: 5 of 10
    utility = released_accuracy(obs, _test_outputs([True, False, True, False], y_test), y_test)
    assert utility["test_accuracy_models_at_chance"] == 2
    assert utility["test_accuracy"] > utility["chance_accuracy"]
    assert "test_accuracy_models_at_chance" not in released_accuracy(obs, None, None)


def _attacked(obs: Observations, at_chance: int, accuracy: float = 0.6):
    utility = {"test_accuracy": accuracy, "train_accuracy": 0.9, "generalization_gap": 0.3,
               "chance_accuracy": 0.5, "test_accuracy_models_at_chance": at_chance}
    return attack_observations(
        obs, {"loss": loss_attack}, targets=np.arange(obs.num_models),
        evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(len(obs.labels), bool),
        population_idx=np.arange(len(obs.labels)), utility=utility, privacy={}, defense={},
        training={},
    )


def test_a_run_with_a_verdict_and_models_at_chance_warns(caplog):
    obs = full_observations(signal=1.0, num_models=4, num_samples=100)
    with caplog.at_level(logging.WARNING):
        _attacked(obs, at_chance=2)
    assert ("SOME MODELS AT CHANCE: 2 of the 4 models' test accuracy is not above chance"
            in caplog.text)


@pytest.mark.parametrize(("at_chance", "accuracy"), [(0, 0.6), (2, 0.5)])
def test_no_warning_without_such_models_or_without_a_verdict(caplog, at_chance, accuracy):
    obs = full_observations(signal=1.0, num_models=4, num_samples=100)
    with caplog.at_level(logging.WARNING):
        _attacked(obs, at_chance=at_chance, accuracy=accuracy)
    assert "SOME MODELS AT CHANCE" not in caplog.text


def test_mia_report_gives_a_caveat_and_ignores_what_is_no_count():
    payload = {"num_models": 8, "utility": {"test_accuracy_models_at_chance": 4},
               "privacy": {}, "attacks": {}}
    note = models_at_chance_note(payload)
    assert note is not None and note.startswith("4 of its 8 models' test accuracy is not above")
    assert any(c.startswith("4 of its 8 models'") for c in caveats(payload))
    for value in (0, 8, 9, -1, True, "4", 4.0, None):
        edited = {**payload, "utility": {"test_accuracy_models_at_chance": value}}
        assert models_at_chance_note(edited) is None, value
    assert models_at_chance_note({"utility": {"test_accuracy_models_at_chance": 4}}) is None
