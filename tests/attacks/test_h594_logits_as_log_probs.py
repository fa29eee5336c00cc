"""Observations built directly hold log-probabilities, and nothing checked them before an
attack ranked them (h594): logits with -inf for withheld classes given as
``Observations(log_probs=logits)`` ran through run_attacks silently, the loss attack
ranking raw logits (AUC 0.58 where their log-softmax gives 0.75), and NaN outputs became
NaN scores ranked last. run_attacks refuses such log_probs naming the array and the fix;
the log-softmax of the same logits attacks with finite scores."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from mia_defense.attacks import loss_attack, run_attacks
from mia_defense.errors import DataError
from mia_defense.observations import Observations
from tests.helpers import synthetic_observations


def _masked_logits() -> Observations:
    """Logits (each row shifted by +3) with the two least likely classes of 4 at -inf."""
    base = synthetic_observations(num_models=4, num_samples=60, num_classes=4, signal=2.0)
    logits = base.log_probs.astype(np.float64) + 3.0
    lowest = np.argsort(logits, axis=-1)[..., :2]
    np.put_along_axis(logits, lowest, -np.inf, axis=-1)
    return Observations(logits.astype(np.float32), base.labels, base.masks)


def test_logits_given_as_log_probs_are_refused():
    with pytest.raises(DataError, match=r"run_attacks: observations\.log_probs holds \d\.\d+ at "
                       r"\[0, 0, \d\]: log-probabilities are <= 0.*torch\.log_softmax"):
        run_attacks(_masked_logits(), {"loss": loss_attack}, targets=np.arange(4))


def test_nan_log_probs_are_refused():
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=4)
    log_probs = obs.log_probs.copy()
    log_probs[1, 7, 2] = np.nan
    with pytest.raises(DataError, match=r"observations\.log_probs holds NaN at \[1, 7, 2\]"):
        run_attacks(obs.with_log_probs(log_probs), {"loss": loss_attack}, targets=np.arange(4))


def test_their_log_softmax_attacks_with_finite_scores():
    obs = _masked_logits()
    log_probs = torch.log_softmax(torch.as_tensor(obs.log_probs), -1).numpy()
    results = run_attacks(obs.with_log_probs(log_probs), {"loss": loss_attack},
                          targets=np.arange(4))
    assert np.isfinite(results["loss"].scores).all()
    assert results["loss"].metrics.auc > 0.6


def test_log_probs_of_no_distribution_are_refused():
    """Probabilities doubled (clipped at 1) given as log_probs: the loss attack read AUC
    0.61 where the outputs give 0.85, silently."""
    obs = synthetic_observations(num_models=4, num_samples=60, num_classes=3)
    doubled = np.log(np.minimum(np.exp(obs.log_probs.astype(np.float64)) * 2.0, 1.0))
    with pytest.raises(DataError, match=r"run_attacks: observations\.log_probs: the "
                       r"log_probabilities of record \d+ of model 0 sum to \d\.\d+.*not a "
                       r"distribution"):
        run_attacks(obs.with_log_probs(doubled.astype(np.float32)), {"loss": loss_attack},
                    targets=np.arange(4))
