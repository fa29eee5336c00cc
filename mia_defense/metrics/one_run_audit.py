"""The ε lower bound of an audit with one training run (Steinke, Nasr, Jagielski 2023).

"Privacy Auditing with One (1) Training Run" (NeurIPS 2023, arXiv 2305.08846): m canaries
each join the training data independently with probability 1/2; the auditor scores them,
guesses IN for the ``k+`` highest scores and OUT for the ``k-`` lowest, and abstains on the
rest. Under an (ε, δ)-DP mechanism the number of correct guesses among the r made is
stochastically dominated by Binomial(r, e^ε / (1 + e^ε)) up to a δ term (their Theorem 5.2,
computed by their Algorithm 2 / appendix code as `one_run_p_value`): the largest ε at which
the observed count is still too many at level ``1 - confidence`` is the lower bound.

Pure numpy/scipy, no torch: it is a function of scores and inclusion bits only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit
from scipy.stats import binom

from mia_defense.errors import DataError
from mia_defense.metrics.inputs import as_fraction, as_truth

__all__ = [
    "GUESS_FRACTIONS",
    "OneRunBound",
    "candidate_epsilon",
    "guess_counts",
    "one_run_bound",
    "one_run_ceiling",
    "one_run_epsilon",
    "one_run_p_value",
]

# The guess counts tried, as fractions of m, each both one-sided (k+ guesses IN) and
# two-sided (k+ = k-); the confidence is split over them (Bonferroni), so picking the best
# after seeing the scores does not inflate the bound.
GUESS_FRACTIONS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
# Inclusions whose count of included canaries is this unlikely (two-sided) under each one
# drawn with probability 1/2 are refused (`_check_fair_inclusion`): no audit's draw is.
IMPLAUSIBLE_INCLUSION = 1e-9


def one_run_p_value(*, m: int, guesses: int, correct: int, epsilon: float, delta: float) -> float:
    """P[at least ``correct`` of ``guesses`` right] under an (ε, δ)-DP mechanism.

    Steinke et al. 2023, Theorem 5.2 as computed by their appendix code: with
    q = e^ε / (1 + e^ε), ``β = P[Binomial(r, q) >= v]`` and
    ``α = max_{1 <= i <= v} P[v - i <= Binomial(r, q) < v] / i``, the p-value is
    ``min(1, β + 2 m δ α)``.

    Args:
        m: canaries randomised (abstentions included).
        guesses: r, the guesses made.
        correct: v, the correct ones.
        epsilon, delta: the (ε, δ) of the null hypothesis.
    """
    if not 0 <= correct <= guesses <= m:
        raise ValueError(f"need 0 <= correct <= guesses <= m, got {correct}, {guesses}, {m}")
    if epsilon < 0 or not 0 <= delta <= 1:
        raise ValueError(f"need epsilon >= 0 and delta in [0, 1], got {epsilon}, {delta}")
    q = float(expit(epsilon))
    beta = float(binom.sf(correct - 1, guesses, q))
    if delta == 0 or correct == 0:
        return min(beta, 1.0)
    i = np.arange(1, correct + 1)
    # P[v - i <= Binomial(r, q) < v] for i = 1 .. v
    below = binom.sf(correct - i - 1, guesses, q) - beta
    alpha = float(np.max(below / i))
    return min(beta + alpha * delta * 2 * m, 1.0)


def one_run_epsilon(
    *, m: int, guesses: int, correct: int, delta: float, confidence: float
) -> float:
    """The largest ε such that ``correct`` of ``guesses`` right has p-value below
    ``1 - confidence`` under (ε, δ)-DP: with that confidence the mechanism is not (ε, δ)-DP
    for any smaller ε. 0 when not even ε = 0 is rejected."""
    as_fraction(confidence, key="one_run_epsilon: confidence", note="e.g. 0.95")
    significance = 1.0 - confidence

    def excess(epsilon: float) -> float:  # > 0 while (ε, δ) is rejected
        return significance - one_run_p_value(
            m=m, guesses=guesses, correct=correct, epsilon=epsilon, delta=delta
        )

    if guesses == 0 or excess(0.0) <= 0:
        return 0.0
    high = 1.0
    while excess(high) > 0:  # p -> 1 as ε -> ∞ (q -> 1), so this ends
        high *= 2
    return float(brentq(excess, 0.0, high, xtol=1e-6))


def candidate_epsilon(
    *, m: int, guesses: int, correct: int, delta: float, confidence: float, candidates: int
) -> float:
    """One guess count's bound when ``confidence`` is split evenly over the ``candidates``
    guess counts tried (Bonferroni): what `one_run_bound` reports, and what its recorded
    counts give again at another confidence."""
    return one_run_epsilon(m=m, guesses=guesses, correct=correct, delta=delta,
                           confidence=1.0 - (1.0 - confidence) / candidates)  # fmt: skip


@dataclass(frozen=True)
class OneRunBound:
    """An audit's ε lower bound and the counts behind it (enough to recompute it).

    Attributes:
        epsilon: the lower bound (0: nothing proven).
        confidence: probability that it holds.
        delta: the δ it is stated at.
        canaries: m, the randomised canaries (or model-canary pairs).
        guesses: r = ``guessed_in + guessed_out``, the guesses of the best candidate.
        correct: v, its correct guesses.
        guessed_in, guessed_out: k+ and k-.
        candidates: guess counts tried (the confidence is split over them).
    """

    epsilon: float
    confidence: float
    delta: float
    canaries: int
    guesses: int
    correct: int
    guessed_in: int
    guessed_out: int
    candidates: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def guess_counts(m: int, fractions: Sequence[float] = GUESS_FRACTIONS) -> list[tuple[int, int]]:
    """The (k+, k-) candidates for m canaries: for each fraction f, (f m, 0) and (f m, f m),
    rounded, at least 1, and two-sided only while k+ + k- <= m (duplicates dropped)."""
    out: list[tuple[int, int]] = []
    for f in fractions:
        k = max(1, round(f * m))
        for pair in ((k, 0), (k, k)):
            if sum(pair) <= m and pair not in out:
                out.append(pair)
    return out


def one_run_ceiling(
    m: int,
    *,
    delta: float,
    confidence: float = 0.95,
    candidates: Sequence[tuple[int, int]] | None = None,
) -> float:
    """The most `one_run_bound` can show with m canaries: its bound when every guess of
    every candidate is right. An audit whose ceiling is at or below a claimed ε cannot
    refute it, however leaky the run: its bound then says nothing of privacy (too few
    canaries, or a δ so large that the 2·m·δ term swamps the count)."""
    pairs = list(candidates) if candidates is not None else guess_counts(m)
    bounds = [
        candidate_epsilon(m=m, guesses=k_in + k_out, correct=k_in + k_out, delta=delta,
                          confidence=confidence, candidates=len(pairs))
        for k_in, k_out in pairs
    ]  # fmt: skip
    return max(bounds, default=0.0)


def _check_fair_inclusion(included: np.ndarray) -> None:
    """Refuse inclusions no draw with probability 1/2 gives (`IMPLAUSIBLE_INCLUSION`): the
    bound holds only for such draws, and otherwise scores that carry no information prove
    an ε (1000 canaries all included, random scores: ε >= 3.4, every IN guess right; 900
    of them: ε >= 1.5), a wrong "DP is broken" from the wrong truth (masks of canaries that
    trained every model, or a mask read the wrong way)."""
    m, n_in = len(included), int(included.sum())
    p = 2 * min(binom.cdf(n_in, m, 0.5), binom.sf(n_in - 1, m, 0.5))
    if p < IMPLAUSIBLE_INCLUSION:
        raise DataError(
            f"one_run_bound: included marks {n_in} of the {m} canaries as included, where "
            f"each included independently with probability 1/2 gives {m / 2:g} ± "
            f"{np.sqrt(m) / 2:.3g} (this count: p = {p:.2g}); the bound holds only for such "
            "draws: give the canaries' inclusion as it was drawn (audit.npz's included)"
        )


def one_run_bound(
    scores: np.ndarray,
    included: np.ndarray,
    *,
    delta: float,
    confidence: float = 0.95,
    candidates: Sequence[tuple[int, int]] | None = None,
) -> OneRunBound:
    """Steinke et al.'s one-run audit of m canaries from their scores.

    Args:
        scores: [m] higher = more likely included (finite).
        included: [m] bool, which canaries were in the training data (the truth).
        delta: δ of the claim audited.
        confidence: probability that the bound holds, over the inclusion draws and the
            training run; split evenly over ``candidates`` (Bonferroni).
        candidates: (k+, k-) pairs to try; default `guess_counts` (m).

    Returns:
        The best candidate's bound. Ties in ``scores`` are broken in a fixed random order
        (seed 0), never by position or by the truth.
    """
    scores = np.asarray(scores, dtype=np.float64)
    # (np.asarray(dtype=bool) read an inclusion of 2, -1 or 0.5 as included, silently)
    included = as_truth(included, where="one_run_bound", name="included")
    if scores.shape != included.shape or scores.ndim != 1:
        raise ValueError(
            f"scores {scores.shape} and included {included.shape} must be [m] each"
        )
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite (score a canary that cannot be scored low)")
    m = len(scores)
    _check_fair_inclusion(included)
    pairs = list(candidates) if candidates is not None else guess_counts(m)
    if not pairs:
        return OneRunBound(0.0, confidence, delta, m, 0, 0, 0, 0, 0)
    # Tied canaries in a fixed random order: broken by position, canaries given with the
    # included ones first and scores all tied had every IN guess right (ε >= 4.12 for 1000
    # canaries: "DP broken" from scores that carry nothing).
    truth = included[np.lexsort((np.random.default_rng(0).permutation(m), -scores))]
    results = []
    for k_in, k_out in pairs:
        if k_in < 0 or k_out < 0 or k_in + k_out > m:
            raise ValueError(f"guess counts ({k_in}, {k_out}) do not fit m={m} canaries")
        correct = int(truth[:k_in].sum()) + int((~truth[m - k_out :]).sum())
        guesses = k_in + k_out
        epsilon = candidate_epsilon(m=m, guesses=guesses, correct=correct, delta=delta,
                                    confidence=confidence, candidates=len(pairs))  # fmt: skip
        results.append(
            OneRunBound(epsilon, confidence, delta, m, guesses, correct, k_in, k_out, len(pairs))
        )
    # the highest bound; when none proves anything, the most precise guesses
    return max(results, key=lambda b: (b.epsilon, b.correct / max(b.guesses, 1)))
