"""LiRA's reference moments (`_masked_moments`) against a per-sample loop: the mean and the
standard deviation per column, or pooled per query (``fixed``), over the weighted rows."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.attacks.lira import _MIN_STD, _masked_moments


def _by_loop(values, weights, fixed):
    """The same moments, one sample at a time (weights [R, 1, N] of 0/1)."""
    _, queries, samples = values.shape
    w = weights[:, 0, :]
    mean = np.empty((queries, samples))
    for q in range(queries):
        overall = (values[:, q] * w).sum() / max(w.sum(), 1)
        for n in range(samples):
            chosen = values[w[:, n] > 0, q, n]
            mean[q, n] = chosen.mean() if len(chosen) else overall
    square = (values - mean) ** 2 * w[:, None, :]
    if fixed:
        columns = int((w.sum(axis=0) > 0).sum())
        std = np.sqrt(square.sum(axis=(0, 2)) / max(w.sum() - columns, 1))[:, None]
    else:
        std = np.sqrt(square.sum(axis=0) / np.maximum(w.sum(axis=0) - 1, 1))
    return mean, np.maximum(std, _MIN_STD)


@pytest.mark.parametrize("fixed", [True, False])
@pytest.mark.parametrize("queries", [1, 3])
def test_moments_match_a_loop_over_samples(fixed, queries):
    rng = np.random.default_rng(queries)
    values = rng.normal(size=(7, queries, 20))
    weights = (rng.random((7, 1, 20)) < 0.5).astype(np.float64)
    weights[:, 0, 3] = 0.0  # a sample no reference of this kind saw: the overall mean
    weights[:, 0, 5] = 0.0
    weights[2, 0, 5] = 1.0  # one reference: a variance of its own residual alone
    mean, std = _masked_moments(values, weights, fixed=fixed)
    want_mean, want_std = _by_loop(values, weights, fixed)
    assert mean.shape == want_mean.shape and std.shape == want_std.shape
    np.testing.assert_allclose(mean, want_mean, rtol=1e-12)
    np.testing.assert_allclose(std, want_std, rtol=1e-12)
