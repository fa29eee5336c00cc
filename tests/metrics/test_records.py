"""Per-record AUC by ranks: equal to the pairwise definition, in O(T·N) memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from scipy.stats import rankdata

from mia_defense.metrics.records import _column_ranks, record_vulnerability, slice_metrics


def _pairwise(scores: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """The former definition: every (member target, non-member target) pair, [T, T, N]."""
    diff = scores[:, None, :] - scores[None, :, :]
    pair = truth[:, None, :] & ~truth[None, :, :]
    wins = ((diff > 0) + 0.5 * (diff == 0)) * pair
    num_pairs = pair.sum(axis=(0, 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(num_pairs > 0, wins.sum(axis=(0, 1)) / num_pairs, np.nan)


@pytest.mark.parametrize("levels", [None, 2, 5])
@pytest.mark.parametrize("targets", [1, 2, 7, 32])
def test_equals_the_pairwise_definition(levels, targets):
    """Continuous scores and heavily tied ones (2 or 5 distinct values), one to 32 targets;
    random truth leaves some records with no member or no non-member (NaN in both)."""
    rng = np.random.default_rng(targets * 10 + (levels or 0))
    shape = (targets, 400)
    scores = rng.normal(size=shape) if levels is None else rng.integers(0, levels, shape) * 0.5
    truth = rng.random(shape) < 0.5
    truth[:, 0], truth[:, 1] = True, False  # all members / no member
    expected = _pairwise(scores, truth)
    got = record_vulnerability(scores, truth)
    assert np.isnan(got[:2]).all()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, equal_nan=True)
    if targets >= 7:  # most records then have both members and non-members
        assert np.isfinite(got).sum() > 300


def test_hand_computed_records():
    truth = np.array([[1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0]], dtype=bool)
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.5], [0.8, 0.4, 0.5], [0.1, 0.2, 0.5]])
    # record 0 separates perfectly, record 1 wins 2 of 4 pairs, record 2 is all ties
    np.testing.assert_allclose(record_vulnerability(scores, truth), [1.0, 0.5, 0.5])
    np.testing.assert_allclose(record_vulnerability(-scores, truth), [0.0, 0.5, 0.5])


def test_non_finite_scores_ordered_as_roc_metrics():
    """NaN ranks lowest, equal infinities tie (the pairwise code counted inf vs inf as a
    loss and NaN as never winning)."""
    truth = np.array([[1, 1, 1], [0, 0, 0], [1, 1, 1], [0, 0, 0]], dtype=bool)
    scores = np.array(
        [[np.inf, np.nan, -np.inf], [np.inf, -np.inf, -np.inf], [1.0, np.nan, 0.0], [0.0, 0.0, 0.0]]
    )
    # members (targets 0, 2) vs non-members (1, 3). record 0: inf ties inf, inf > 0, 1 < inf,
    # 1 > 0 -> 2.5 of 4; record 1: NaN below -inf and below 0 -> 0 of 4; record 2: -inf ties
    # -inf, -inf < 0, 0 > -inf, 0 ties 0 -> 2 of 4
    np.testing.assert_allclose(record_vulnerability(scores, truth), [2.5 / 4, 0.0, 2.0 / 4])


def test_column_ranks_match_scipy():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 4, (9, 300)).astype(float)
    np.testing.assert_array_equal(_column_ranks(scores), rankdata(scores, axis=0))


def test_memory_is_linear_in_targets():
    """At T=128, N=1000 the [T, T, N] pair tensor alone is 131 MB; the rank form stays
    within a few [T, N] float64 arrays (1 MB each)."""
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(128, 1000))
    truth = rng.random((128, 1000)) < 0.5
    tracemalloc.start()
    try:
        record_vulnerability(scores, truth)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 12 * scores.nbytes, peak


def test_shape_mismatch_is_refused():
    with pytest.raises(ValueError, match=r"scores \(2, 3\) and is_member \(3, 2\): need both"):
        record_vulnerability(np.zeros((2, 3)), np.zeros((3, 2), dtype=bool))


def test_slice_metrics_per_class():
    truth = np.array([[1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0]], dtype=bool)
    scores = np.array([[0.9, 0.1, 0.5], [0.2, 0.3, 0.5], [0.8, 0.4, 0.5], [0.1, 0.2, 0.5]])
    out = slice_metrics(
        scores, truth, {"first": np.array([True, False, False]), "rest": np.array([0, 1, 1]) > 0},
        fprs=(0.1,),
    )
    assert out["first"] == {"records": 1, "nonmember_scores": 2, "nonmember_records": 1,
                            "auc": 1.0, "tpr@10%fpr": 1.0}
    assert (out["rest"]["records"], out["rest"]["nonmember_scores"]) == (2, 4)
    # pooled: members 0.3, 0.2, 0.5, 0.5 vs non-members 0.1, 0.4, 0.5, 0.5 -> 8 of 16 pairs
    assert out["rest"]["auc"] == pytest.approx(0.5)
