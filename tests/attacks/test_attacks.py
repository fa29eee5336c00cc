"""Each attack recovers a planted membership signal and sees nothing in null data."""

import numpy as np
import pytest

from mia_defense.attacks import lira, loss_attack, shokri
from mia_defense.attacks.signals import true_class_logit
from mia_defense.metrics import roc_metrics
from tests.helpers import synthetic_observations

ATTACKS = {
    "loss": loss_attack,
    "shokri": shokri,
    "lira_online": lira,
    "lira_offline": lambda obs, t: lira(obs, t, online=False),
    "lira_online_per_example": lambda obs, t: lira(obs, t, fixed_variance=False),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_planted_signal_is_found(name):
    obs = synthetic_observations(signal=5.0)
    targets = np.arange(obs.num_models)
    scores = ATTACKS[name](obs, targets)
    assert scores.shape == (obs.num_models, obs.labels.shape[0])
    assert roc_metrics(scores, obs.masks[targets]).auc > 0.9


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_null_data_gives_chance(name):
    obs = synthetic_observations(signal=0.0, num_samples=1000)
    targets = np.arange(obs.num_models)
    auc = roc_metrics(ATTACKS[name](obs, targets), obs.masks[targets]).auc
    assert abs(auc - 0.5) < 0.05


def test_lira_beats_loss_when_samples_differ_in_difficulty():
    obs = synthetic_observations(signal=1.0, num_models=16)
    targets = np.arange(16)
    truth = obs.masks[targets]
    lira_tpr = roc_metrics(lira(obs, targets), truth).tpr_at_fpr[0.01]
    loss_tpr = roc_metrics(loss_attack(obs, targets), truth).tpr_at_fpr[0.01]
    assert lira_tpr > 2 * loss_tpr


def test_attacks_use_only_other_models_membership():
    """Flipping the target's own mask must not change its scores (no label leakage)."""
    obs = synthetic_observations(signal=2.0, num_models=8)
    flipped = obs.masks.copy()
    flipped[0] = ~flipped[0]
    other = type(obs)(obs.log_probs, obs.labels, flipped)
    for name, attack in ATTACKS.items():
        np.testing.assert_allclose(
            attack(obs, np.array([0])), attack(other, np.array([0])), err_msg=name
        )


def test_logit_scaling_is_stable_near_one():
    log_probs = np.log(np.array([[[1 - 1e-12, 1e-12]]], dtype=np.float64))
    logit = true_class_logit(log_probs, np.array([0]))
    assert logit[0, 0] == pytest.approx(np.log((1 - 1e-12) / 1e-12), rel=1e-6)
