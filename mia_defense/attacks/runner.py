"""Run several attacks on the same observations and evaluate each against the truth."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mia_defense.metrics.roc import DEFAULT_FPRS, AttackMetrics, roc_metrics
from mia_defense.observe import Observations

__all__ = ["Attack", "AttackResult", "run_attacks", "strongest"]

log = logging.getLogger(__name__)

Attack = Callable[[Observations, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class AttackResult:
    """One attack's scores and metrics.

    Attributes:
        name: the attack's name in the config.
        targets: [T] indices of the attacked models.
        scores: [T, N] membership scores, higher = member.
        metrics: ROC metrics pooled over all targets.
        seconds: wall time of the attack.
    """

    name: str
    targets: np.ndarray
    scores: np.ndarray
    metrics: AttackMetrics
    seconds: float


def run_attacks(
    obs: Observations,
    attacks: Mapping[str, Attack],
    *,
    targets: np.ndarray,
    fprs: Sequence[float] = DEFAULT_FPRS,
) -> dict[str, AttackResult]:
    """Score every target with every attack; metrics pool the [T, N] scores."""
    truth = obs.masks[targets]
    results = {}
    for name, attack in attacks.items():
        start = time.perf_counter()
        scores = np.asarray(attack(obs, targets), dtype=np.float64)
        if scores.shape != truth.shape:
            raise ValueError(
                f"attack {name!r} returned scores of shape {scores.shape}, expected {truth.shape}"
            )
        seconds = time.perf_counter() - start
        results[name] = AttackResult(name, targets, scores, roc_metrics(scores, truth, fprs=fprs), seconds)
        log.info("attack %s: AUC %.3f (%.2fs)", name, results[name].metrics.auc, seconds)
    return results


def strongest(results: Mapping[str, AttackResult], fpr: float) -> str:
    """Name of the attack with the highest TPR at ``fpr`` (ties broken by AUC)."""
    return max(
        results,
        key=lambda name: (
            np.nan_to_num(results[name].metrics.tpr_at_fpr[fpr], nan=-1.0),
            np.nan_to_num(results[name].metrics.auc, nan=-1.0),
        ),
    )
