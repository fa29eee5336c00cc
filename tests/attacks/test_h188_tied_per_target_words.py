"""An attack giving each target's records one score, but not the same score to every target,
was said to have 'AUC 0.5 and TPR 0' while its pooled figures ranked whole targets against
one another (N=1, two targets: AUC 1.000 in the table beside that warning). The warning now
says what such figures are; one score for all keeps its words."""

from __future__ import annotations

import logging

import numpy as np

from mia_defense.attacks.runner import EvaluationConfig, run_attacks
from mia_defense.observations import Observations


def _per_target(obs, targets):
    """Target t's records all score 1 - t."""
    return np.repeat(1.0 - np.asarray(targets, dtype=float)[:, None], len(obs.labels), axis=1)


def _constant(obs, targets):
    return np.full((len(targets), len(obs.labels)), 2.0)


def test_one_score_per_target_is_not_said_to_be_auc_one_half(caplog):
    log_probs = np.log(np.full((2, 1, 3), 1 / 3, dtype=np.float32))
    obs = Observations.from_arrays(
        {"log_probs": log_probs, "masks": np.array([[True], [False]]), "labels": np.array([0])},
        source="test")
    with caplog.at_level(logging.WARNING):
        results = run_attacks(obs, {"per_target": _per_target, "same": _constant},
                              targets=np.arange(2), evaluation=EvaluationConfig(bootstrap=0))
    assert results["per_target"].metrics.auc == 1.0
    assert results["same"].metrics.auc == 0.5
    said = {r.getMessage().split(":")[0]: r.getMessage() for r in caplog.records}
    assert "AUC 0.5" not in said["attack per_target"]
    assert "rank whole targets against one another" in said["attack per_target"]
    assert "its AUC 0.5 and TPR 0 measure no leak" in said["attack same"]
