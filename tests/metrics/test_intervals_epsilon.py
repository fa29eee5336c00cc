"""Bootstrap intervals cover known values; the empirical ε bound never beats the true ε."""

import numpy as np
import pytest
from scipy.stats import laplace, norm

from mia_defense.metrics import (
    bootstrap_intervals,
    empirical_epsilon,
    record_vulnerability,
    roc_metrics,
    slice_metrics,
)
from mia_defense.metrics.bootstrap import _weighted_roc

FPRS = (0.1, 0.01)


def test_unit_weights_reproduce_the_roc_metrics_exactly():
    rng = np.random.default_rng(0)
    truth = rng.random((4, 500)) < 0.5
    scores = np.round(rng.normal(size=truth.shape) + truth, 1)  # many ties
    m = roc_metrics(scores, truth, fprs=(*FPRS, 0.001))
    weights = np.ones((1, scores.size))
    auc, tprs = _weighted_roc(scores.ravel(), truth.ravel(), weights, m.tpr_at_fpr)
    assert auc[0] == pytest.approx(m.auc)
    for f, tpr in m.tpr_at_fpr.items():
        assert tprs[f][0] == pytest.approx(tpr)


def test_counts_weigh_as_repeated_samples():
    """A weight of c counts a sample c times (the int64 running sums of a resample): the
    figures of the samples repeated that often, ties included; fractions are refused."""
    rng = np.random.default_rng(3)
    truth = rng.random(300) < 0.4
    scores = np.round(rng.normal(size=300) + truth, 1)
    weights = rng.integers(0, 4, (3, 300))
    auc, tprs = _weighted_roc(scores, truth, weights, (0.1, 0.01))
    for b, counts in enumerate(weights):
        m = roc_metrics(np.repeat(scores, counts), np.repeat(truth, counts), fprs=(0.1, 0.01))
        assert auc[b] == pytest.approx(m.auc, rel=1e-12)
        for f, tpr in m.tpr_at_fpr.items():
            assert tprs[f][b] == pytest.approx(tpr, rel=1e-12)
    with pytest.raises(ValueError, match="whole numbers"):
        _weighted_roc(scores, truth, weights + 0.5, (0.1,))


def test_intervals_cover_the_true_values_at_the_nominal_rate():
    """Members N(mu, 1), non-members N(0, 1): true AUC and TPR@FPR are known in closed form.

    95% intervals over 100 independent simulations must contain the truth about 95 times;
    a bootstrap that ignored resampling noise (or was biased) would cover far less often.
    """
    mu, n, reps = 1.5, 2000, 100
    true_auc = norm.cdf(mu / np.sqrt(2))
    true_tpr = {f: 1 - norm.cdf(norm.ppf(1 - f) - mu) for f in FPRS}
    hits = {"auc": 0, **{f: 0 for f in FPRS}}
    widths = []
    for rep in range(reps):
        rng = np.random.default_rng(rep)
        truth = rng.random(n) < 0.5
        scores = rng.normal(size=n) + mu * truth
        ci = bootstrap_intervals(scores, truth, fprs=FPRS, num_resamples=200, seed=rep)
        hits["auc"] += ci.auc[0] <= true_auc <= ci.auc[1]
        widths.append(ci.auc[1] - ci.auc[0])
        for f in FPRS:
            hits[f] += ci.tpr_at_fpr[f][0] <= true_tpr[f] <= ci.tpr_at_fpr[f][1]
    assert hits["auc"] >= 88, hits
    assert hits[0.1] >= 85, hits
    assert hits[0.01] >= 80, hits  # ~10 false positives per threshold: coarser, still covers
    # and the intervals are not trivially wide: about 2 x 1.96 x the AUC's standard error
    assert 0.02 < np.mean(widths) < 0.06


def test_resampling_records_widens_intervals_when_targets_agree():
    """Scores of one record are identical across targets: T copies carry no new information,
    so the interval must be as wide as with one target, not sqrt(T) narrower."""
    rng = np.random.default_rng(0)
    truth = rng.random(1000) < 0.5
    scores = rng.normal(size=1000) + truth
    one = bootstrap_intervals(scores, truth, fprs=FPRS)
    copies = bootstrap_intervals(np.tile(scores, (16, 1)), np.tile(truth, (16, 1)), fprs=FPRS)
    assert copies.auc[1] - copies.auc[0] == pytest.approx(one.auc[1] - one.auc[0], rel=0.05)


def test_one_class_gives_nan_intervals():
    ci = bootstrap_intervals(np.arange(5.0), np.ones(5, dtype=bool), fprs=FPRS)
    assert np.isnan(ci.auc).all()


def _bound(scores, truth, delta=1e-5):
    m = roc_metrics(scores, truth)
    return empirical_epsilon(
        m.fpr, m.tpr, num_members=int(truth.sum()), num_nonmembers=int((~truth).sum()),
        delta=delta,
    )


@pytest.mark.parametrize("epsilon", [0.5, 1.0, 2.0])
def test_bound_on_randomised_response_is_tight_but_rarely_above_epsilon(epsilon):
    """Randomised response is exactly ε-DP: the member bit is reported truthfully with
    probability e^ε / (1 + e^ε). The audit must come close to ε; it is a 95% bound, so
    over 40 independent audits it may exceed ε at most about 5% of the time (2 of 40)."""
    keep = np.exp(epsilon) / (1 + np.exp(epsilon))
    bounds = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        truth = rng.random(20000) < 0.5
        scores = np.where(rng.random(20000) < keep, truth, ~truth).astype(float)
        bounds.append(_bound(scores, truth))
    assert np.sum(np.array(bounds) > epsilon) <= 2, bounds
    assert max(bounds) < epsilon + 0.1
    assert np.median(bounds) > 0.85 * epsilon


def test_bound_on_the_laplace_mechanism_stays_below_epsilon():
    """Laplace(1/ε) noise on a sensitivity-1 count is ε-DP; the attack then picks the best
    of many thresholds after the fact, which the Bonferroni correction must absorb."""
    epsilon = 1.0
    bounds = []
    for seed in range(40):
        rng = np.random.default_rng(seed)
        truth = rng.random(20000) < 0.5
        scores = truth + laplace.rvs(scale=1 / epsilon, size=20000, random_state=rng)
        bounds.append(_bound(scores, truth))
    assert np.sum(np.array(bounds) > epsilon) <= 2, bounds
    assert min(bounds) > 0.3


def test_no_signal_gives_no_epsilon():
    rng = np.random.default_rng(0)
    truth = rng.random(5000) < 0.5
    assert _bound(rng.normal(size=5000), truth) < 0.2


def test_record_vulnerability_and_slices():
    truth = np.array([[1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0]], dtype=bool)
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.5], [0.8, 0.4, 0.5], [0.1, 0.2, 0.5]])
    vuln = record_vulnerability(scores, truth)
    # record 0: members score 0.9, 0.8 > non-members 0.2, 0.1 -> 1; record 1: members
    # 0.3, 0.2 vs non-members 0.1, 0.4 -> 2 of 4 pairs; record 2: all tied -> 0.5
    np.testing.assert_allclose(vuln, [1.0, 0.5, 0.5])
    out = slice_metrics(scores, truth, {"first": np.array([True, False, False])}, fprs=(0.1,))
    assert out["first"] == {"records": 1, "nonmember_scores": 2, "nonmember_records": 1,
                            "auc": 1.0, "tpr@10%fpr": 1.0}


def test_an_fpr_of_exactly_the_target_counts_as_in_the_point_estimate():
    """1000 non-members: FPR steps through k/1000 and hits 0.1%, 1% and 10% exactly; the
    bootstrap's unit-weight TPR must take those points, as `roc_metrics` does (float32 ROC
    arrays once put 1/1000 above 0.001 and left them out)."""
    rng = np.random.default_rng(1)
    truth = np.arange(2000) < 1000
    scores = rng.normal(size=2000) + truth
    m = roc_metrics(scores, truth, fprs=(0.1, 0.01, 0.001))
    weights = np.ones((1, scores.size), dtype=np.float32)
    _, tprs = _weighted_roc(scores, truth, weights, m.tpr_at_fpr)
    for f, tpr in m.tpr_at_fpr.items():
        assert tprs[f][0] == pytest.approx(tpr), f
