"""The one-run audit's bound (Steinke, Nasr, Jagielski 2023) against closed forms, the
paper's own algorithm, and its promise: under an ε-DP mechanism it exceeds ε rarely."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.stats

from mia_defense.metrics.one_run_audit import (
    guess_counts,
    one_run_bound,
    one_run_epsilon,
    one_run_p_value,
)


def paper_p_value(m: int, r: int, v: int, eps: float, delta: float) -> float:
    """The p-value as the paper's appendix code computes it, loop and all (the reference)."""
    q = 1 / (1 + math.exp(-eps))
    beta = scipy.stats.binom.sf(v - 1, r, q)
    alpha, total = 0.0, 0.0
    for i in range(1, v + 1):
        total += scipy.stats.binom.pmf(v - i, r, q)
        if total > i * alpha:
            alpha = total / i
    return min(beta + alpha * delta * 2 * m, 1)


def paper_epsilon(m: int, r: int, v: int, delta: float, p: float) -> float:
    """The paper's bisection for the bound (30 halvings from [0, first failing integer])."""
    lo, hi = 0.0, 1.0
    while paper_p_value(m, r, v, hi, delta) < p:
        hi += 1
    for _ in range(30):
        mid = (lo + hi) / 2
        if paper_p_value(m, r, v, mid, delta) < p:
            lo = mid
        else:
            hi = mid
    return lo


@pytest.mark.parametrize(
    ("m", "r", "v", "eps", "delta"),
    [(1000, 100, 90, 1.0, 1e-5), (1000, 100, 100, 3.0, 1e-5), (5000, 400, 380, 2.5, 1e-6),
     (200, 50, 30, 0.2, 1e-3), (100, 10, 10, 0.0, 0.0), (16000, 800, 779, 2.7, 1e-5)],
)  # fmt: skip
def test_p_value_matches_the_papers_algorithm(m, r, v, eps, delta):
    ours = one_run_p_value(m=m, guesses=r, correct=v, epsilon=eps, delta=delta)
    assert ours == pytest.approx(paper_p_value(m, r, v, eps, delta), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize(
    ("m", "r", "v", "delta"),
    [(1000, 100, 95, 1e-5), (16000, 800, 779, 1e-5), (1600, 320, 207, 1e-6), (500, 50, 50, 0.0)],
)
def test_epsilon_matches_the_papers_algorithm(m, r, v, delta):
    ours = one_run_epsilon(m=m, guesses=r, correct=v, delta=delta, confidence=0.95)
    assert ours == pytest.approx(paper_epsilon(m, r, v, delta, 0.05), abs=1e-5)
    assert ours > 0


@pytest.mark.parametrize("r", [1, 10, 100, 1000])
def test_perfect_guessing_without_delta_has_the_closed_form(r):
    # all r right: p = q^r, so the bound solves q^r = 1 - confidence, ε = logit(q) (0 when
    # even q = 1/2 explains r right: one lucky guess proves nothing)
    q = 0.05 ** (1 / r)
    expected = max(0.0, math.log(q / (1 - q)))
    got = one_run_epsilon(m=10 * r, guesses=r, correct=r, delta=0.0, confidence=0.95)
    assert got == pytest.approx(expected, abs=1e-5)


def test_the_bound_grows_with_correct_guesses_and_shrinks_with_delta_and_m():
    by_correct = [one_run_epsilon(m=2000, guesses=200, correct=v, delta=1e-5, confidence=0.95)
                  for v in range(100, 201, 5)]  # fmt: skip
    assert all(b >= a for a, b in itertools.pairwise(by_correct))
    assert by_correct[0] == 0.0 and by_correct[-1] > 2.5  # chance proves nothing
    by_delta = [one_run_epsilon(m=2000, guesses=200, correct=190, delta=d, confidence=0.95)
                for d in (0.0, 1e-6, 1e-5, 1e-4, 1e-3)]  # fmt: skip
    assert all(b <= a for a, b in itertools.pairwise(by_delta))
    assert by_delta[-1] < by_delta[0]
    by_m = [one_run_epsilon(m=m, guesses=200, correct=190, delta=1e-5, confidence=0.95)
            for m in (200, 2000, 20000)]  # fmt: skip
    assert by_m[0] > by_m[1] > by_m[2]  # the δ term is 2mδ


def test_one_run_bound_counts_guesses_from_both_ends():
    scores = np.arange(10.0)  # 9 highest
    included = np.array([0, 0, 1, 0, 1, 0, 1, 1, 1, 1], bool)
    bound = one_run_bound(scores, included, delta=0.0, candidates=[(3, 2)])
    # IN on scores 9, 8, 7 (all in), OUT on 0, 1 (both out)
    assert (bound.guesses, bound.correct, bound.guessed_in, bound.guessed_out) == (5, 5, 3, 2)
    assert bound.epsilon == pytest.approx(
        one_run_epsilon(m=10, guesses=5, correct=5, delta=0.0, confidence=0.95)
    )


def test_ties_are_broken_neither_by_the_truth_nor_by_position():
    """Canaries given with the included ones first and scores all tied: broken by
    position, every IN guess was right (ε >= 4.12 for 1000 canaries, a false "DP broken")."""
    included = np.arange(1000) < 500
    for truth in (included, ~included, included[::-1]):
        bound = one_run_bound(np.zeros(1000), truth, delta=0.0)
        assert bound.epsilon == 0.0
        assert abs(bound.correct - bound.guesses / 2) < 4 * np.sqrt(bound.guesses) / 2 + 1
    alternating = np.array([0, 1] * 50, bool)
    first = one_run_bound(np.zeros(100), alternating, delta=0.0, candidates=[(50, 0)])
    flipped = one_run_bound(np.zeros(100), ~alternating, delta=0.0, candidates=[(50, 0)])
    assert first.correct + flipped.correct == 50  # the same fixed order of the tied canaries


def test_the_confidence_is_split_over_the_candidates():
    rng = np.random.default_rng(0)
    included = rng.random(1000) < 0.5
    scores = included + rng.normal(0, 0.5, 1000)
    one = one_run_bound(scores, included, delta=1e-5, candidates=[(100, 0)])
    two = one_run_bound(scores, included, delta=1e-5, candidates=[(100, 0), (1, 0)])
    alone = one_run_epsilon(m=1000, guesses=100, correct=one.correct, delta=1e-5,
                            confidence=0.95)  # fmt: skip
    split = one_run_epsilon(m=1000, guesses=100, correct=one.correct, delta=1e-5,
                            confidence=0.975)  # fmt: skip
    assert one.epsilon == pytest.approx(alone) and two.epsilon == pytest.approx(split)
    assert two.epsilon < one.epsilon


def test_guess_counts_fit_m_and_hold_no_duplicates():
    assert guess_counts(10) == [(1, 0), (1, 1), (2, 0), (2, 2)]
    pairs = guess_counts(16000)
    assert (800, 0) in pairs and (800, 800) in pairs and len(pairs) == len(set(pairs)) == 14


def test_under_an_epsilon_dp_mechanism_the_bound_rarely_exceeds_epsilon():
    """Randomised response at ε = 1 is exactly ε-DP: the 95% bound may exceed 1 in about 5%
    of audits at most (less, with the candidates' Bonferroni split)."""
    rng = np.random.default_rng(7)
    eps, exceed, trials = 1.0, 0, 40
    for _ in range(trials):
        included = rng.random(2000) < 0.5
        truthful = rng.random(2000) < math.exp(eps) / (1 + math.exp(eps))
        scores = np.where(truthful, included, ~included) + rng.random(2000) * 1e-3
        exceed += one_run_bound(scores, included, delta=0.0).epsilon > eps
    assert exceed <= 4  # expected <= 2


@pytest.mark.parametrize(
    ("scores", "included", "message"),
    [(np.zeros(3), np.zeros(4, bool), r"scores \(3,\) and included \(4,\) must be \[m\] each"),
     (np.array([0.0, np.nan]), np.zeros(2, bool), "scores must be finite")],
)  # fmt: skip
def test_bad_inputs_are_refused(scores, included, message):
    with pytest.raises(ValueError, match=message):
        one_run_bound(scores, included, delta=1e-5)


def test_impossible_counts_are_refused():
    with pytest.raises(ValueError, match=r"need 0 <= correct <= guesses <= m, got 5, 4, 10"):
        one_run_p_value(m=10, guesses=4, correct=5, epsilon=1.0, delta=0.0)
    with pytest.raises(ValueError, match=r"guess counts \(8, 8\) do not fit m=10 canaries"):
        one_run_bound(np.arange(10.0), np.ones(10, bool), delta=0.0, candidates=[(8, 8)])
