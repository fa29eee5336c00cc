"""empirical_epsilon at about 1e14 trials or more gave 0.0, a claim of no leak: scipy's
betaincinv (Boost) returns NaN for Clopper-Pearson bounds with errors and trials both above
about 1e11, and the ε formula read NaN as 0. Those bounds now come from the normal quantile
with Cornish-Fisher's skewness term; a bound that still fails is NaN, no bound."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import betaincinv

from mia_defense.metrics import empirical_epsilon
from mia_defense.metrics.epsilon import _beta_quantile_large, clopper_pearson_upper

FPR, TPR = np.array([0.0, 0.001, 0.5, 1.0]), np.array([0.0, 0.5, 0.9, 1.0])


def test_the_large_count_quantile_is_boosts_where_boost_works():
    trials = 1e9
    errors = np.array([1e6, 1e8, 5e8, 9e8])
    for alpha in (0.05, 1e-4):
        boost = betaincinv(errors + 1, trials - errors, 1 - alpha)
        sd = np.sqrt((errors + 1) * (trials - errors) / trials**3)
        assert np.abs(_beta_quantile_large(errors + 1, trials - errors, alpha) - boost).max() \
            < 1e-5 * sd.min()


@pytest.mark.parametrize("trials", [10**14, 10**15, 10**18])
def test_a_huge_count_keeps_its_bound(trials):
    moderate = empirical_epsilon(FPR, TPR, num_members=10**10, num_nonmembers=10**10,
                                 delta=1e-5)
    huge = empirical_epsilon(FPR, TPR, num_members=trials, num_nonmembers=trials, delta=1e-5)
    assert huge == pytest.approx(moderate, abs=0.01)  # (was 0.0)
    upper = clopper_pearson_upper(np.array([trials // 10, trials // 2]), trials, 1e-3)
    assert np.isfinite(upper).all() and (upper > [0.1, 0.5]).all() and (upper < [0.11, 0.51]).all()


def test_a_bound_that_still_fails_is_no_bound(monkeypatch):
    from mia_defense.metrics import epsilon

    monkeypatch.setattr(epsilon, "_beta_quantile_large", lambda a, b, alpha: np.nan * a)
    monkeypatch.setattr(epsilon, "betaincinv", lambda a, b, q: np.nan * a)
    assert np.isnan(empirical_epsilon(FPR, TPR, num_members=100, num_nonmembers=100,
                                      delta=1e-5))  # (was 0.0: no leak)
