"""roc_metrics against an independent threshold sweep on nasty score sets (all tied, a few
levels, +-inf, 1-ulp steps, float16/int/bool scores, one member or one non-member): the
TPR at FPR x is the highest TPR of any threshold 'score >= t' whose FPR is at most x
(README, 'How it is computed'), the advantage the largest TPR - FPR, the AUC sklearn's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score

from mia_defense.metrics import roc_metrics

FPRS = (0.5, 0.1, 0.01)


def _sweep(scores: np.ndarray, truth: np.ndarray) -> tuple[dict[float, float], float]:
    ordered = np.nan_to_num(scores.astype(np.float64), nan=-np.inf)
    rates = [(0.0, 0.0)]  # (fpr, tpr) of 'nothing is a member'
    for threshold in np.unique(ordered):
        said = ordered >= threshold
        rates.append(((said & ~truth).sum() / (~truth).sum(), (said & truth).sum() / truth.sum()))
    tprs = {f: max(tpr for fpr, tpr in rates if fpr <= f) for f in FPRS}
    return tprs, max(tpr - fpr for fpr, tpr in rates)


def _score_sets(rng: np.random.Generator, n: int):
    yield rng.normal(size=n)
    yield np.zeros(n)
    yield rng.integers(0, 3, n).astype(np.float64)
    yield 1.0 + rng.integers(0, 3, n) * np.finfo(np.float64).eps
    yield np.where(rng.random(n) < 0.3, np.inf, np.where(rng.random(n) < 0.3, -np.inf,
                                                         rng.normal(size=n)))
    yield rng.normal(size=n).astype(np.float16)
    yield rng.integers(-2, 3, n)
    yield rng.random(n) < 0.5


@pytest.mark.parametrize("seed", range(6))
def test_roc_metrics_is_the_readmes_threshold_sweep(seed):
    rng = np.random.default_rng(seed)
    for n in (2, 5, 37):
        truth = rng.random(n) < 0.5
        truth[0], truth[1] = True, False  # both kinds; n=2: one member, one non-member
        for scores in _score_sets(rng, n):
            metrics = roc_metrics(scores, truth.astype(int), fprs=FPRS)
            tprs, advantage = _sweep(scores, truth)
            assert metrics.tpr_at_fpr == tprs
            assert metrics.advantage == pytest.approx(advantage, abs=1e-12)
            ranks = rankdata(np.nan_to_num(scores.astype(np.float64), nan=-np.inf))
            assert metrics.auc == pytest.approx(roc_auc_score(truth, ranks), abs=1e-12)
