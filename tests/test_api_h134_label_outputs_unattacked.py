"""One-hot observations (release=label_only, top-k at k=1 renormalised, rounding at 0
decimals) attacked by no attack that reads labels are said, as mia-train says it before
training. mia-attack on a release=label_only run with '~attack.attacks.label_only' (and
api.audit on such observations) printed every TPR 0.000 and its verdict without a word."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense import api
from mia_defense.observations import Observations
from tests.helpers import synthetic_observations

SAID = "the observations attacked let out the predicted label only"
LEAN = [
    "attack.bootstrap=0",
    "attack.num_targets=2",
    "~attack.attacks.shokri",
    "~attack.attacks.lira_online_augmented",
    "~attack.attacks.gradient_norm",
]


def _one_hot(obs: Observations) -> Observations:
    predicted = obs.log_probs.argmax(axis=-1)
    log_probs = np.full(obs.log_probs.shape, -np.inf, dtype=np.float32)
    np.put_along_axis(log_probs, predicted[..., None], 0.0, axis=-1)
    return Observations(log_probs=log_probs, labels=obs.labels, masks=obs.masks)


def test_one_hot_observations_without_a_label_attack_are_said(caplog):
    obs = _one_hot(synthetic_observations(num_models=4, num_samples=200, signal=1.0))
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        api.audit(obs, overrides=[*LEAN, "~attack.attacks.label_only"])
    said = [r.getMessage() for r in caplog.records if SAID in r.getMessage()]
    assert len(said) == 1, caplog.text
    assert "none of the attacks (loss, confidence" in said[0]
    assert "keep attack.attacks.label_only" in said[0]


def test_a_label_attack_or_outputs_with_scores_are_not_said(caplog):
    scores = synthetic_observations(num_models=4, num_samples=200, signal=1.0)
    with caplog.at_level(logging.WARNING, logger="mia_defense"):
        api.audit(_one_hot(scores), overrides=LEAN)  # label_only kept
        api.audit(scores, overrides=[*LEAN, "~attack.attacks.label_only"])  # full outputs
    assert SAID not in caplog.text
