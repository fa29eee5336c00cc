"""An attack giving each target's records one score (a figure per model) is warned to 'never
decide the verdict', yet its ε bound, which ranks whole targets against one another (a
difference between models), refuted a DP claim: targets trained on 90% and 10% of the
records, scored by that share, gave ε >= 2.04 against an accountant's 0.5 ('DP CLAIM
REFUTED'). The claim is now held to the attacks that measured something, and
privacy.empirical_epsilon is that bound (tests/attacks/test_h194_tied_attack_bound.py)."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.base import requires_access
from mia_defense.attacks.runner import EvaluationConfig
from mia_defense.attacks.threshold import loss_attack
from mia_defense.observations import Observations
from mia_defense.pipeline.evaluate import attack_observations

N, C = 400, 3


@requires_access("outputs")
def model_share(obs, targets):
    """One score per target: the share of the records it trained on."""
    share = np.asarray(obs.masks)[np.asarray(targets)].mean(axis=1)
    return np.repeat(share[:, None], len(obs.labels), axis=1)


def _privacy(attacks: dict, *, signal: float = 0.0) -> dict:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, C, N)
    many, few = rng.random(N) < 0.9, rng.random(N) < 0.1
    masks = np.stack([many, few, ~many, ~few])
    z = rng.normal(size=(4, N, C))  # membership signal: members' true class raised
    z[:, np.arange(N), labels] += signal * masks
    obs = Observations.from_arrays(
        {"log_probs": z - np.log(np.exp(z).sum(-1, keepdims=True)), "masks": masks,
         "labels": labels}, source="test")
    result, _ = attack_observations(
        obs, attacks, targets=np.arange(4),
        evaluation=EvaluationConfig(fprs=(0.1, 0.01), bootstrap=0),
        is_canary=np.zeros(N, bool), population_idx=np.arange(N),
        utility={"test_accuracy": 0.9, "train_accuracy": 1.0, "generalization_gap": 0.1,
                 "chance_accuracy": 0.4},
        privacy={"epsilon": 0.5, "delta": 1e-5}, defense={}, training={},
    )  # fmt: skip
    return result.privacy


def test_an_attack_of_one_score_per_target_refutes_no_claim():
    privacy = _privacy({"loss": loss_attack, "share": model_share})
    assert privacy["epsilon_refuted"] is False, privacy.get("epsilon_refuted_reason")


def test_a_measured_leak_beside_it_still_refutes_the_claim():
    privacy = _privacy({"loss": loss_attack, "share": model_share}, signal=6.0)
    assert privacy["epsilon_refuted"] is True
    assert privacy["epsilon_refuted_by"].startswith("attack loss")
