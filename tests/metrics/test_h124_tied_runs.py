"""A run of tied scores that spans an FPR counts as far as the FPR allows (the ROC curve
straight through the run, as scikit-learn's ``roc_curve`` draws it), in the figure and in
its bootstrap interval. Read at the curve's points only, the run counted for nothing: the
TPR of a lower FPR, the lowest any tie-break of the same scores gives, below chance for
coarse scores (LiRA online at 10% FPR under release=label_only, plan.num_models=4: 0.051
at AUC 0.52) and 0 at 0.1% where the top scores tie (label-only there: 0.0000 [0.0000,
0.0000], where a random quarter of its top tie finds 4 times chance)."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.metrics import bootstrap_intervals, roc_metrics

FPRS = (0.1, 0.01, 0.001)


def test_a_tied_run_spanning_the_fpr_counts_its_share():
    # 10 non-members: 0.1 FPR allows one. Above it: 1 member alone at 3.0, then 2
    # non-members and 4 members tied at 2.0: half the run (1 of its 2 non-members)
    scores = np.array([3.0, *[2.0] * 6, *[1.0] * 8, *[0.0] * 3])
    truth = np.array([1, 0, 0, 1, 1, 1, 1, *[0] * 8, 1, 1, 1], dtype=bool)
    m = roc_metrics(scores, truth, fprs=(0.1,))
    assert m.tpr_at_fpr[0.1] == pytest.approx((1 + 4 / 2) / 8)


def test_a_constant_attack_reads_chance_not_zero():
    """Every score tied: the curve is the diagonal, TPR = FPR, in the figure and its
    interval (it read TPR 0 [0, 0] at every FPR, worse than a coin)."""
    truth = np.random.default_rng(0).random((4, 500)) < 0.5
    scores = np.zeros(truth.shape)
    m = roc_metrics(scores, truth, fprs=FPRS)
    ci = bootstrap_intervals(scores, truth, fprs=FPRS, num_resamples=50)
    for f in FPRS:
        assert m.tpr_at_fpr[f] == pytest.approx(f)
        assert ci.tpr_at_fpr[f] == pytest.approx((f, f))


def test_the_figure_of_pooled_ranks_is_that_of_their_ties_broken_at_random():
    """Scores tied in blocks, one per target (RMIA's ranks among the population, pooled
    over targets): the figure lies above the points-only reading, and close to what the
    same ranking reads with its ties broken at random, within that spread."""
    rng = np.random.default_rng(1)
    targets, records = 16, 1000
    truth = rng.random((targets, records)) < 0.5
    signal = rng.normal(size=truth.shape) + 0.6 * truth
    ranks = signal.argsort(axis=1).argsort(axis=1) / records  # [T, N], one value per target
    m = roc_metrics(ranks, truth, fprs=FPRS)
    broken = np.array([
        [roc_metrics(ranks + 1e-6 * rng.random(ranks.shape), truth, fprs=FPRS).tpr_at_fpr[f]
         for f in FPRS] for _ in range(200)])  # fmt: skip
    ends = _points_only(ranks.ravel(), truth.ravel())
    for i, f in enumerate(FPRS):
        assert m.tpr_at_fpr[f] >= ends[f]
        assert abs(m.tpr_at_fpr[f] - broken[:, i].mean()) < 2 * broken[:, i].std() + 1e-3
    assert any(m.tpr_at_fpr[f] > ends[f] for f in FPRS)
    ci = bootstrap_intervals(ranks, truth, fprs=FPRS, num_resamples=200)
    for f in FPRS:
        assert ci.tpr_at_fpr[f][0] <= m.tpr_at_fpr[f] <= ci.tpr_at_fpr[f][1]


def _points_only(scores: np.ndarray, truth: np.ndarray) -> dict[float, float]:
    """The TPR at the last curve point within each FPR (a tied run spanning it dropped)."""
    values = np.unique(scores)[::-1]
    tp = np.array([(truth & (scores >= v)).sum() for v in values]) / truth.sum()
    fp = np.array([(~truth & (scores >= v)).sum() for v in values]) / (~truth).sum()
    return {f: float(np.max(tp[fp <= f], initial=0.0)) for f in FPRS}
