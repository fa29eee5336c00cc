"""The metrics of hostile scores against a direct computation (h580): inverted scores (AUC
below 0.5), all NaN, all equal, +-inf and NaN among them, float16 and 1e38 scores, ties at
the threshold, each read by scikit-learn's roc_curve on the scores' ranks (NaN lowest, as
`roc_metrics` orders them); and the bootstrap's weighted figures against the same
computation on each resample's records written out, one-class resamples NaN."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score, roc_curve

from mia_defense.metrics.bootstrap import _weighted_roc
from mia_defense.metrics.roc import roc_metrics

_FPRS = (0.5, 0.1, 0.01, 0.001)


def _ranked(scores: np.ndarray) -> np.ndarray:
    """Dense ranks of ``scores``, NaN lowest and equal infinities tied: an order scikit-learn
    reads (it refuses NaN and infinities)."""
    ordered = np.nan_to_num(scores.astype(np.float64), nan=-np.inf)
    return np.unique(ordered, return_inverse=True)[1].astype(np.float64)


def _direct(scores: np.ndarray, truth: np.ndarray) -> tuple[float, dict[float, float], float]:
    """AUC, the highest TPR at FPR <= each of `_FPRS` (no threshold inside a run of ties),
    and the advantage, from scikit-learn's ROC curve."""
    fpr, tpr, _ = roc_curve(truth, _ranked(scores), drop_intermediate=False)
    tprs = {f: float(tpr[fpr <= f].max()) for f in _FPRS}
    return float(roc_auc_score(truth, _ranked(scores))), tprs, float((tpr - fpr).max())


def _cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(0)
    truth = rng.random(2000) < 0.5
    signal = rng.normal(size=2000) + truth
    holed = signal.copy()
    holed[:30], holed[30:60], holed[60:90] = np.inf, -np.inf, np.nan
    tied = np.round(signal, 1)
    tied[truth & (tied > 2.0)] = 2.0  # members tied with the top non-members at a threshold
    return {
        "inverted": (-signal, truth),
        "all NaN": (np.full(2000, np.nan), truth),
        "all equal": (np.ones(2000), truth),
        "inf and NaN": (holed, truth),
        "float16": (signal.astype(np.float16), truth),
        "1e38": (signal * 1e38, truth),
        "ties at the threshold": (tied, truth),
        "one non-member": (signal, np.arange(2000) != 7),
    }


@pytest.mark.parametrize("case", list(_cases()))
def test_roc_metrics_are_the_direct_figures(case: str) -> None:
    scores, truth = _cases()[case]
    metrics = roc_metrics(scores, truth, fprs=_FPRS)
    auc, tprs, advantage = _direct(scores, truth)
    assert metrics.auc == pytest.approx(auc, abs=1e-12)
    assert metrics.tpr_at_fpr == pytest.approx(tprs, abs=1e-12)
    assert metrics.advantage == pytest.approx(advantage, abs=1e-12)
    if case == "inverted":
        assert metrics.auc < 0.5


@pytest.mark.parametrize("case", list(_cases()))
def test_the_bootstraps_figures_are_each_resamples_direct_figures(case: str) -> None:
    scores, truth = (values[:300] for values in _cases()[case])
    rng = np.random.default_rng(1)
    weights = rng.integers(0, 3, (4, 300))
    weights[0] = np.where(truth, weights[0], 0)  # a resample of members only: no ROC
    auc, tprs = _weighted_roc(np.nan_to_num(scores.astype(np.float64), nan=-np.inf), truth,
                              weights, _FPRS)  # fmt: skip
    for b, counts in enumerate(weights):
        drawn_scores, drawn_truth = np.repeat(scores, counts), np.repeat(truth, counts)
        if drawn_truth.all() or not drawn_truth.any():
            assert np.isnan(auc[b]) and all(np.isnan(tprs[f][b]) for f in _FPRS)
            continue
        direct_auc, direct_tprs, _ = _direct(drawn_scores, drawn_truth)
        assert auc[b] == pytest.approx(direct_auc, abs=1e-12)
        assert {f: tprs[f][b] for f in _FPRS} == pytest.approx(direct_tprs, abs=1e-12)
