import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mia_defense.metrics import roc_metrics, tpr_at_fpr


def test_hand_made_scores():
    # members: 0.9, 0.8, 0.4 ; non-members: 0.7, 0.3, 0.2, 0.1
    scores = np.array([0.9, 0.8, 0.4, 0.7, 0.3, 0.2, 0.1])
    truth = np.array([1, 1, 1, 0, 0, 0, 0], dtype=bool)
    m = roc_metrics(scores, truth, fprs=(0.2, 0.25))
    # pairs (member > non-member): 0.9:4, 0.8:4, 0.4:3 -> 11 of 12
    assert m.auc == pytest.approx(11 / 12)
    assert m.auc == pytest.approx(roc_auc_score(truth, scores))
    # no false positive allowed (FPR <= 0.2 < 1/4): only 0.9, 0.8 pass -> TPR 2/3;
    # one allowed (0.7): threshold 0.4 -> TPR 1
    assert m.tpr_at_fpr[0.2] == pytest.approx(2 / 3)
    assert m.tpr_at_fpr[0.25] == pytest.approx(1.0)
    # advantage: threshold 0.4 gives TPR 1, FPR 1/4
    assert m.advantage == pytest.approx(0.75)


def test_tpr_at_fpr_takes_best_threshold_not_above_target():
    fpr = np.array([0.0, 0.0, 0.005, 0.02, 1.0])
    tpr = np.array([0.0, 0.1, 0.2, 0.5, 1.0])
    assert tpr_at_fpr(fpr, tpr, 0.01) == pytest.approx(0.2)
    assert tpr_at_fpr(fpr, tpr, 0.001) == pytest.approx(0.1)
    with pytest.raises(ValueError, match=r"tpr_at_fpr: target=1\.5: must be a number in \(0, 1\)"):
        tpr_at_fpr(fpr, tpr, 1.5)


def test_random_scores_are_at_chance():
    rng = np.random.default_rng(0)
    truth = rng.random(20000) < 0.5
    m = roc_metrics(rng.random(20000), truth)
    assert abs(m.auc - 0.5) < 0.02
    assert m.tpr_at_fpr[0.1] == pytest.approx(0.1, abs=0.02)


def test_infinite_scores_are_ranked_not_rejected():
    scores = np.array([np.inf, 1.0, -np.inf, np.nan])
    truth = np.array([1, 1, 0, 0], dtype=bool)
    assert roc_metrics(scores, truth).auc == pytest.approx(1.0)


def test_one_class_only_gives_nan_not_crash():
    m = roc_metrics(np.arange(4.0), np.ones(4, dtype=bool))
    assert np.isnan(m.auc)


@pytest.mark.parametrize("decimals", [None, 1, 2])
def test_curve_and_auc_are_sklearns_to_the_bit(decimals):
    """The ROC curve is computed without scikit-learn's validation (most of the per-class
    metrics' time), to the same bits: curve, AUC, TPR@FPR, ties and all."""
    from sklearn import metrics

    from mia_defense.metrics.roc import _corners

    rng = np.random.default_rng(1)
    for n in (2, 7, 300, 4000):
        scores = rng.normal(size=n)
        if decimals is not None:
            scores = np.round(scores, decimals)  # many ties
        truth = rng.random(n) < 0.4
        truth[:2] = [True, False]
        fpr, tpr, _ = metrics.roc_curve(truth, scores, drop_intermediate=False)
        fpr, tpr = _corners(fpr, tpr)
        m = roc_metrics(scores, truth, fprs=(0.1, 0.01))
        assert m.fpr.tobytes() == fpr.tobytes() and m.tpr.tobytes() == tpr.tobytes()
        assert m.auc == metrics.auc(fpr, tpr)
        assert m.tpr_at_fpr == {f: tpr_at_fpr(fpr, tpr, f) for f in (0.1, 0.01)}
