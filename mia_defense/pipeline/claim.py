"""A DP claim held against measured evidence: the attacks' and the one-run audit's lower
bounds on ε; a bound above the accountant's ε refutes the claim, loudly."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mia_defense.attacks.runner import (
    AttackResult,
    EvaluationConfig,
)
from mia_defense.metrics.epsilon import empirical_epsilon

__all__ = ["attack_evidence", "audit_evidence", "check_claim", "highest_bound"]

log = logging.getLogger(__name__)


def highest_bound(bounds: Mapping[str, float]) -> str:
    """The attack with the highest empirical ε bound (NaN bounds last)."""
    return max(bounds, key=lambda n: np.nan_to_num(bounds[n], nan=-1.0))


def attack_evidence(
    best: AttackResult, truth: np.ndarray, evaluation: EvaluationConfig, *, attacks: int
) -> list[tuple[float, str]]:
    """The highest attack bound on ε, recomputed at the confidence that holds for the best
    of ``attacks`` bounds at once (Bonferroni): the largest of several 95% bounds is not a
    95% bound, and a refutation must not come from picking the luckiest attack."""
    confidence = 1.0 - (1.0 - evaluation.confidence) / max(attacks, 1)
    bound = empirical_epsilon(
        best.metrics.fpr, best.metrics.tpr, num_members=int(truth.sum()),
        num_nonmembers=int((~truth).sum()), delta=evaluation.delta, confidence=confidence,
    )  # fmt: skip
    what = f"attack {best.name}, {evaluation.confidence:.0%} over all {attacks} attacks"
    return [(bound, what)] if math.isfinite(bound) else []


def audit_evidence(privacy: Mapping[str, Any]) -> list[tuple[float, str]]:
    """The one-run audit's lower bounds on ε (each one test at its own confidence)."""
    audit = privacy.get("audit")
    if not isinstance(audit, Mapping):
        return []
    found = [(audit.get(side, {}).get("epsilon"), f"one-run audit, {side}")
             for side in ("white_box", "black_box")]  # fmt: skip
    return [(float(v), what) for v, what in found
            if isinstance(v, int | float) and math.isfinite(v)]  # fmt: skip


def check_claim(privacy: dict[str, Any], evidence: Sequence[tuple[float, str]]) -> None:
    """Set ``epsilon_refuted`` when a measured lower bound on ε in ``evidence`` exceeds the
    accountant's ε: the DP claim then fails at the bound's confidence, and the run says so
    loudly (``epsilon_refuted_by``, ``epsilon_refuted_reason``, a warning) instead of
    printing both figures side by side. No-op without a finite accountant ε."""
    claimed = privacy.get("epsilon")
    if not isinstance(claimed, int | float) or not math.isfinite(claimed):
        return
    above = [(bound, what) for bound, what in evidence if bound > claimed]
    privacy["epsilon_refuted"] = bool(above)
    privacy.pop("epsilon_refuted_by", None)
    privacy.pop("epsilon_refuted_reason", None)
    if not above:
        return
    bound, what = max(above)
    privacy["epsilon_refuted_by"] = what
    privacy["epsilon_refuted_reason"] = (
        f"measured ε >= {bound:.3g} ({what}; a lower bound) exceeds the accountant's ε "
        f"{claimed:.3g}: the DP claim does not hold for this run; look for data-dependent "
        "preprocessing, a defense that breaks per-record sensitivity, or a bug"
    )
    log.warning("DP CLAIM REFUTED: %s", privacy["epsilon_refuted_reason"])
