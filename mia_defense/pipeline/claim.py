"""A DP claim held against measured evidence: the attacks' and the one-run audit's lower
bounds on ε; a bound above the accountant's ε refutes the claim, loudly."""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mia_defense.attacks.runner import (
    AttackResult,
    EvaluationConfig,
)
from mia_defense.metrics.epsilon import empirical_epsilon, level_text
from mia_defense.metrics.one_run_audit import candidate_epsilon, guess_counts, one_run_ceiling

__all__ = ["Evidence", "attack_evidence", "audit_evidence", "check_claim", "highest_bound"]

log = logging.getLogger(__name__)

# The most pairs whose audit ceiling `check_claim` computes: the perfect guesses' p-values
# take arrays of 0.4·m, so a results.json claiming 10**9 pairs (mia-attack carries the
# audit) spent minutes and then ran out of memory; beyond it the ceiling is unknown.
MAX_CEILING_PAIRS = 10**6
# The most correct guesses whose bound `audit_evidence` recomputes at another confidence
# (its p-values take arrays of that many: 10**8, in an edited results.json mia-attack
# carries, spent minutes and ran out of memory); beyond it the recorded figure is kept, as
# for a side whose counts are not recorded.
MAX_RECOMPUTED_CORRECT = 10**7


@dataclass(frozen=True)
class Evidence:
    """A measured lower bound on ε that may refute a DP claim.

    Attributes:
        what: what measured it, as the refutation names it.
        confidence: the level its own figure is stated at (e.g. 0.95).
        bound_at: the bound recomputed to hold with a given probability (``bound_at(
            confidence=...)``): `check_claim` asks each piece of evidence for a stricter
            level, so that all of them hold at once (the largest of three 95% bounds is a
            85% bound, not a 95% one).
        ceiling_at: the most it could show at a given confidence (every guess right, an
            attack that separates members perfectly), or ``None`` when unknown: where every
            ceiling is at or below the claim, nothing measured could have refuted it.
    """

    what: str
    confidence: float
    bound_at: Callable[[float], float]
    ceiling_at: Callable[[float], float] | None = None

    @property
    def bound(self) -> float:
        """The bound at its own confidence."""
        return self.bound_at(confidence=self.confidence)


def highest_bound(bounds: Mapping[str, float]) -> str:
    """The attack with the highest empirical ε bound (NaN bounds last)."""
    return max(bounds, key=lambda n: np.nan_to_num(bounds[n], nan=-1.0))


def attack_evidence(
    best: AttackResult,
    truth: np.ndarray,
    evaluation: EvaluationConfig,
    *,
    attacks: int,
    records: str = "",
) -> list[Evidence]:
    """The highest attack bound on ε, recomputed at the confidence that holds for the best
    of ``attacks`` bounds at once (Bonferroni): the largest of several 95% bounds is not a
    95% bound, and a refutation must not come from picking the luckiest attack. ``records``
    names the records judged where they are not the population's (``"the canaries"``)."""
    bound_at = functools.partial(
        _attack_bound_at, best.metrics.fpr, best.metrics.tpr, int(truth.sum()),
        int((~truth).sum()), evaluation.delta, max(attacks, 1),
    )  # fmt: skip
    # a perfect attack: every member above every non-member (the fewest thresholds, so
    # the weakest Bonferroni correction: no ROC of these decisions gives more)
    ceiling_at = functools.partial(
        _attack_bound_at, np.array([0.0, 1.0]), np.array([1.0, 1.0]), int(truth.sum()),
        int((~truth).sum()), evaluation.delta, max(attacks, 1),
    )  # fmt: skip
    on = f" on {records}" if records else ""
    what = (f"attack {best.name}{on}, {level_text(evaluation.confidence)} over all {attacks} "
            "attacks")  # fmt: skip
    found = Evidence(what, evaluation.confidence, bound_at, ceiling_at)
    return [found] if math.isfinite(found.bound) else []


# (module-level functions under functools.partial: a run's result, evidence included, is
# pickled where tests share a run between processes; a closure is not picklable)
def _attack_bound_at(
    fpr: np.ndarray, tpr: np.ndarray, num_members: int, num_nonmembers: int, delta: float,
    attacks: int, confidence: float,
) -> float:
    level = 1.0 - (1.0 - confidence) / attacks
    return empirical_epsilon(fpr, tpr, num_members=num_members, num_nonmembers=num_nonmembers,
                             delta=delta, confidence=level)  # fmt: skip


def _recorded(value: float, *, confidence: float) -> float:
    del confidence  # counts not recorded: the figure cannot be taken at another level
    return value


def audit_evidence(privacy: Mapping[str, Any], *, confidence: float) -> list[Evidence]:
    """The one-run audit's lower bounds on ε, each recomputable from its recorded counts
    (m, guesses, correct, candidates) at a stricter confidence; a side whose counts are not
    recorded keeps its figure, stated at its recorded confidence or else at the run's
    ``confidence`` (``attack.confidence``, which the audit is run at)."""
    audit = privacy.get("audit")
    if not isinstance(audit, Mapping):
        return []
    found = []
    for side in ("white_box", "black_box"):
        entry = audit.get(side)
        value = entry.get("epsilon") if isinstance(entry, Mapping) else None
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            level, bound_at = _audit_bound(entry, float(value), confidence)
            found.append(Evidence(f"one-run audit, {side}", level, bound_at,
                                  _audit_ceiling(bound_at)))  # fmt: skip
    return found


def _audit_bound(
    entry: Mapping[str, Any], recorded: float, run_confidence: float
) -> tuple[float, Callable[..., float]]:
    """(confidence, bound at a confidence) of one side of the one-run audit: recomputed
    from its counts, or its recorded figure where they are missing, inconsistent or too
    large to recompute (`MAX_RECOMPUTED_CORRECT`)."""
    counts = [entry.get(k) for k in ("canaries", "guesses", "correct", "candidates")]
    confidence, delta = (entry.get(k) for k in ("confidence", "delta"))
    confidence_ok, delta_ok = (isinstance(v, float) and 0 < v < 1 for v in (confidence, delta))
    counts_ok = all(isinstance(c, int) and not isinstance(c, bool) for c in counts)
    if not (confidence_ok and delta_ok and counts_ok) or counts[3] < 1 or not (
        0 <= counts[2] <= counts[1] <= counts[0]
    ) or counts[2] > MAX_RECOMPUTED_CORRECT:
        level = confidence if confidence_ok else run_confidence
        return level, functools.partial(_recorded, recorded)
    m, guesses, correct, candidates = counts
    return confidence, functools.partial(candidate_epsilon, m=m, guesses=guesses,
                                         correct=correct, delta=delta, candidates=candidates)


def _audit_ceiling(bound_at: Callable[..., float]) -> Callable[..., float] | None:
    """The most one side of the one-run audit could show at a confidence (every guess right,
    `one_run_ceiling`), or ``None`` where its counts are not recorded or its guess counts
    are not the default ones."""
    if not isinstance(bound_at, functools.partial) or bound_at.func is not candidate_epsilon:
        return None
    m, delta, candidates = (bound_at.keywords[k] for k in ("m", "delta", "candidates"))
    if m > MAX_CEILING_PAIRS or candidates != len(guess_counts(m)):
        return None
    return functools.partial(_audit_ceiling_at, m, delta)


def _audit_ceiling_at(m: int, delta: float, confidence: float) -> float:
    return one_run_ceiling(m, delta=delta, confidence=confidence)


def check_claim(privacy: dict[str, Any], evidence: Sequence[Evidence]) -> None:
    """Set ``epsilon_refuted`` when a measured lower bound on ε in ``evidence`` exceeds the
    accountant's ε: the DP claim then fails at the bound's confidence, and the run says so
    loudly (``epsilon_refuted_by``, ``epsilon_refuted_reason``, a warning) instead of
    printing both figures side by side, and ``epsilon_untested`` (`_untested`'s reason, or
    null: written with every finite ε, so mia-report reads a missing one as deleted). No-op
    without a finite accountant ε.

    With n pieces of evidence each bound is taken at 1 - (1 - its confidence) / n, so the
    claim is refuted at its stated confidence by all of them together, not at 1 - n times
    the error by the luckiest (the attacks' bound and the audit's two)."""
    claimed = privacy.get("epsilon")
    privacy.pop("epsilon_untested", None)
    if not isinstance(claimed, int | float) or not math.isfinite(claimed):
        return
    tests = max(len(evidence), 1)
    measured = [(e.bound_at(confidence=1.0 - (1.0 - e.confidence) / tests), e)
                for e in evidence]
    above = [(bound, e) for bound, e in measured if math.isfinite(bound) and bound > claimed]
    privacy["epsilon_refuted"] = bool(above)
    privacy.pop("epsilon_refuted_by", None)
    privacy.pop("epsilon_refuted_reason", None)
    privacy["epsilon_untested"] = None if above else _untested(
        evidence, claimed, tests, audited=isinstance(privacy.get("audit"), Mapping))
    if not above:
        return
    bound, found = max(above, key=lambda pair: pair[0])
    what = found.what if tests == 1 else (
        f"{found.what}; at {level_text(found.confidence)} for all {tests} bounds the claim "
        "was held to"
    )
    privacy["epsilon_refuted_by"] = found.what
    privacy["epsilon_refuted_reason"] = (
        f"measured ε >= {bound:.3g} ({what}; a lower bound) exceeds the accountant's ε "
        f"{claimed:.3g}: the DP claim does not hold for this run; look for data-dependent "
        "preprocessing, a defense that breaks per-record sensitivity, or a bug"
    )
    log.warning("DP CLAIM REFUTED: %s", privacy["epsilon_refuted_reason"])


def _untested(
    evidence: Sequence[Evidence], claimed: float, tests: int, *, audited: bool = False
) -> str | None:
    """Why ``epsilon_refuted: false`` says nothing of the claim: no measurement could have
    exceeded it even at its best (every ceiling at or below the claimed ε), or ``None``
    where one could have (or its ceiling is unknown). ``audited``: the run made a one-run
    audit (a run with one was told to make one)."""
    if not evidence:
        return (f"nothing measured a bound on ε (no attack's bound is defined), so the "
                f"accountant's ε {claimed:.3g} was not tested; epsilon_refuted false is no "
                "evidence that it holds")  # fmt: skip
    if any(e.ceiling_at is None for e in evidence):
        return None
    ceilings = [(e.ceiling_at(confidence=1.0 - (1.0 - e.confidence) / tests), e)
                for e in evidence]  # fmt: skip
    if any(not math.isfinite(c) or c > claimed for c, _ in ceilings):
        return None
    ceiling, best = max(ceilings, key=lambda pair: pair[0])
    return (
        f"too few decisions to test the accountant's ε {claimed:.3g}: even a perfect "
        f"attack or audit could show at most ε >= {ceiling:.3g} here ({best.what}), so "
        "epsilon_refuted false is no evidence that the claim holds; more target models or "
        "records (plan.num_models, plan.population_size, attack.num_targets), or "
        + ("this run's one-run audit at a lower defense.dp.delta or with more canaries "
           "(attack.audit_canaries, attack.audit_gradient_canaries)" if audited else
           "a one-run audit (attack.audit=one_run) at a lower defense.dp.delta")
        + ", can test it"
    )
