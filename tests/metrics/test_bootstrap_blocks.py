"""Bootstrap resamples go through in blocks: the same intervals, without [B, T·N] weights."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from mia_defense.metrics import bootstrap
from mia_defense.metrics.bootstrap import bootstrap_intervals

FPRS = (0.1, 0.01)


@pytest.mark.parametrize("levels", [None, 3])
def test_blocks_of_any_size_give_the_same_intervals(monkeypatch, levels):
    """One resample per block, a few per block, all in one block: identical numbers (ties,
    NaN scores and several targets included)."""
    rng = np.random.default_rng(levels or 0)
    shape = (8, 700)
    scores = rng.normal(size=shape) if levels is None else rng.integers(0, levels, shape) * 1.0
    scores[0, :5] = np.nan
    truth = rng.random(shape) < 0.5
    results = []
    for elements in (1, 3 * scores.size, 10**9):
        monkeypatch.setattr(bootstrap, "_BLOCK_ELEMENTS", elements)
        results.append(bootstrap_intervals(scores, truth, fprs=FPRS, num_resamples=50, seed=4))
    assert results[0] == results[1] == results[2]
    assert results[0].num_resamples == 50
    assert results[0].auc[0] < results[0].auc[1]


def test_memory_stays_below_the_full_weight_matrix(monkeypatch):
    """B=200 resamples of T·N = 64,000 scores: the full float32 weight matrix alone is 51 MB,
    and the former code peaked at about 11 times that (its ROC arithmetic on [B, T·N]);
    blocks of 10 resamples stay below one such matrix."""
    monkeypatch.setattr(bootstrap, "_BLOCK_ELEMENTS", 640_000)
    rng = np.random.default_rng(1)
    scores = rng.normal(size=(32, 2000))
    truth = rng.random((32, 2000)) < 0.5
    tracemalloc.start()
    try:
        bootstrap_intervals(scores, truth, fprs=FPRS, num_resamples=200)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    full = 200 * scores.size * 4
    assert peak < full, (peak, full)


def test_many_resamples_of_few_scores_are_drawn_block_by_block(monkeypatch):
    """B=5,000 resamples of N=2,000 records: drawing every resample at once took [B, N]
    int64 draws and as many counts (80 MB each); drawn per block, the peak is the block's
    ROC arithmetic (about 20 MB here)."""
    monkeypatch.setattr(bootstrap, "_BLOCK_ELEMENTS", 640_000)
    rng = np.random.default_rng(2)
    scores, truth = rng.normal(size=2000), rng.random(2000) < 0.5
    tracemalloc.start()
    try:
        ci = bootstrap_intervals(scores, truth, fprs=FPRS, num_resamples=5000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert ci.num_resamples == 5000
    draws = 5000 * scores.size * 8
    assert peak < draws / 2, (peak, draws)


@pytest.mark.parametrize("tied", [0.0, 0.03, 0.4, 0.7, 1.0])
def test_few_ties_corrected_per_run_equal_the_curve_of_run_ends(tied):
    """With few ties the pairs are counted per sample and each run of ties corrected to its
    trapezoid (`_ties_correction`); the curve of the runs' ends (`_grouped_weighted_roc`,
    what every tie took before) gives the same AUC and TPR bit for bit."""
    rng = np.random.default_rng(int(tied * 10))
    scores = np.sort(rng.normal(size=3000))[::-1]
    some = rng.random(3000) < tied
    scores = np.where(some, np.round(scores, 1), scores)  # runs of ties among the others
    scores = np.sort(scores)[::-1]
    truth = rng.random(3000) < 0.5
    weights = rng.integers(0, 4, (6, 3000))
    weights[0] = 0  # a resample of nothing: one class, NaN
    weights[1, :5] = 7
    member, other = np.where(truth, weights, 0), np.where(truth, 0, weights)
    ends = np.append(scores[1:] != scores[:-1], True)
    fprs = (0.1, 0.01, 0.001)
    got = bootstrap._sorted_weighted_roc(scores, member.copy(), other.copy(), fprs)
    want = bootstrap._grouped_weighted_roc(ends, member.copy(), other.copy(), fprs)
    assert got[0].tobytes() == want[0].tobytes()
    assert all(got[1][f].tobytes() == want[1][f].tobytes() for f in fprs)
    assert np.isnan(got[0][0]) and np.isfinite(got[0][1:]).all()
