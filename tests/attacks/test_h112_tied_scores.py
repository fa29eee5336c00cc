"""An attack that gives every record the same score measured nothing: as AUC 0.5 [0.5, 0.5]
and TPR 0 [0, 0] it read as a measured 'no leak' (LiRA online at K=2, whose one reference
model is never IN and OUT of a record, so it keeps none; or a user's attack returning a
constant), and as a run's only attack it made a leaky run look private."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from mia_defense import api
from mia_defense.attacks import loss_attack
from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.errors import ConfigError
from mia_defense.pipeline.evaluate import attack_observations
from tests.attacks.synthetic import full_observations


def _constant(obs, targets):
    return np.zeros((len(targets), len(obs.labels)))


def _constant_per_target(obs, targets):
    return np.repeat(np.asarray(targets, dtype=float)[:, None], len(obs.labels), axis=1)


def test_an_attack_of_one_score_is_skipped_and_said(caplog):
    obs = full_observations(signal=1.0, num_models=4, num_samples=200)
    attacks = {"loss": loss_attack, "mine": _constant, "per_target": _constant_per_target}
    with caplog.at_level(logging.WARNING):
        results = run_attacks(obs, attacks, targets=np.arange(4),
                              evaluation=EvaluationConfig(bootstrap=0))
    assert list(results) == ["loss"]
    assert "attack mine skipped: it gave every record the same score" in caplog.text
    assert "attack per_target skipped" in caplog.text


def test_a_leaky_run_whose_only_attack_is_constant_gets_no_verdict():
    obs = full_observations(signal=3.0, num_models=4, num_samples=200)
    utility = {"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
               "chance_accuracy": 0.1}
    with pytest.raises(ConfigError, match=r"attack.attacks: none of mine could run"):
        attack_observations(
            obs, {"mine": _constant}, targets=np.arange(4),
            evaluation=EvaluationConfig(bootstrap=0), is_canary=np.zeros(200, bool),
            population_idx=np.arange(200), utility=utility, privacy={}, defense={},
            training={},
        )


def test_lira_online_at_two_models_is_skipped_naming_the_plan(caplog):
    """At K=2 LiRA online keeps no reference of any record (`balanced_references`): its
    scores were all tied, a row of 0.500 [0.500, 0.500] in the table."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 5, 400)
    masks = np.zeros((2, 400), bool)
    masks[rng.integers(0, 2, 400), np.arange(400)] = True
    logits = rng.normal(size=(2, 400, 5))
    logits[masks[:, :, None] & (np.arange(5) == labels[:, None])[None]] += 4.0  # leaky
    obs = api.observations_from_arrays(logits, masks, labels, kind="logits")
    cfg = api.attack_config(["attack.bootstrap=0"])
    with caplog.at_level(logging.WARNING):
        result = api.run_audit(obs, cfg, defended=False).result
    assert "lira_online" not in result.attacks
    assert "lira_offline" in result.attacks and "loss" in result.attacks
    assert "attack lira_online skipped" in caplog.text
    assert "plan.num_models >= 4" in caplog.text
