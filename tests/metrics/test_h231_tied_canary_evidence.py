"""An attack that gives each target's canaries one score ranks whole targets, not canaries:
`_canary_evidence` leaves it out of the canaries' ε bound held to a DP claim, by the same
rule as elsewhere (`measured_nothing`). No test pinned that place of the rule."""

from __future__ import annotations

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.observations import Observations
from mia_defense.pipeline.trust_checks import _canary_evidence

EVALUATION = EvaluationConfig(fprs=[0.1, 0.01], bootstrap=0, delta=1e-5)


def _canaries_of_uneven_targets() -> tuple[Observations, np.ndarray]:
    """8 models on 400 records, the first 200 canaries: models 0-3 hold 190 of them, models
    4-7 hold 10 (each target both kinds); the other records split half and half."""
    rng = np.random.default_rng(0)
    masks = rng.random((8, 400)) < 0.5
    canary = np.zeros(400, dtype=bool)
    canary[:200] = True
    for k in range(8):
        held = 190 if k < 4 else 10
        masks[k, :200] = np.arange(200) < held
        masks[k, :200] = rng.permutation(masks[k, :200])
    log_probs = np.log(rng.dirichlet(np.ones(3), size=(8, 400))).astype(np.float32)
    return Observations(log_probs=log_probs, labels=rng.integers(0, 3, 400), masks=masks), canary


def _by_target(obs: Observations, targets: np.ndarray) -> np.ndarray:
    """Each target's share of canaries held, as every canary's score: one score per target."""
    scores = np.tile(np.arange(obs.masks.shape[1], dtype=np.float64), (len(targets), 1))
    scores[:, :200] = obs.masks[targets, :200].mean(axis=1, keepdims=True)
    return scores


def test_an_attack_tied_on_the_canaries_bounds_no_canary_epsilon():
    obs, canary = _canaries_of_uneven_targets()
    targets = np.arange(8)
    results = run_attacks(obs, {"by_target": _by_target}, targets=targets,
                          evaluation=EVALUATION, records=~canary)  # fmt: skip
    truth = obs.masks[targets][:, canary]
    assert _canary_evidence(results, truth, canary, EVALUATION) == []
