"""The metrics and the report's intervals compute without scipy.stats (a second of mia-report's
start-up), and give the very floats scipy.stats gives."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import trapezoid
from scipy.stats import beta, rankdata, t

from mia_defense.metrics.epsilon import clopper_pearson_upper
from mia_defense.metrics.roc import _trapezoid, average_ranks, roc_metrics
from mia_defense.report.stats import t_interval


@pytest.mark.parametrize("seed", range(5))
def test_average_ranks_are_rankdatas_floats_with_ties_and_infinities(seed):
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 20, 500).astype(float)  # many ties
    values[rng.choice(500, 30, replace=False)] = -np.inf
    values[rng.choice(500, 30, replace=False)] = np.inf
    assert np.array_equal(average_ranks(values), rankdata(values))
    assert np.array_equal(average_ranks(values[:1]), rankdata(values[:1]))


def test_the_auc_is_scipys_trapezoid_of_the_same_curve():
    rng = np.random.default_rng(0)
    truth = rng.random(2000) < 0.5
    scores = rng.normal(size=2000) + truth * 0.3
    scores[:50] = np.nan  # ranked, through average_ranks
    metrics = roc_metrics(scores, truth)
    assert metrics.auc == float(trapezoid(metrics.tpr, metrics.fpr))
    assert _trapezoid(metrics.tpr, metrics.fpr) == metrics.auc


def test_clopper_pearson_bounds_are_beta_ppfs():
    errors = np.array([0, 1, 5, 99, 500, 999, 1000], dtype=float)
    for alpha in (0.05, 0.025, 1e-3):
        expected = beta.ppf(1 - alpha, errors + 1, np.maximum(1000 - errors, 1e-12))
        expected = np.where(errors >= 1000, 1.0, expected)
        assert np.array_equal(clopper_pearson_upper(errors, 1000, alpha), expected)


@pytest.mark.parametrize("n", [2, 3, 10, 57])
def test_t_intervals_use_the_t_quantile(n):
    low, high = t_interval(1.0, 0.5, n, level=0.95)
    half = float(t.ppf(0.975, n - 1)) * 0.5 / math.sqrt(n)
    assert (low, high) == (1.0 - half, 1.0 + half)
