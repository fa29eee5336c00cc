"""empirical_epsilon at about 1e14 trials or more gave 0.0, a claim of no leak: scipy's
betaincinv (Boost) returns NaN for Clopper-Pearson bounds with errors and trials both above
about 1e11, and the ε formula read NaN as 0. A bound that fails is no bound: NaN."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.metrics import empirical_epsilon

FPR, TPR = np.array([0.0, 0.001, 0.5, 1.0]), np.array([0.0, 0.5, 0.9, 1.0])


@pytest.mark.parametrize("trials", [10**14, 10**18])
def test_a_count_beyond_the_bounds_is_no_bound(trials):
    huge = empirical_epsilon(FPR, TPR, num_members=trials, num_nonmembers=trials, delta=1e-5)
    assert np.isnan(huge)  # (was 0.0: no leak)
    moderate = empirical_epsilon(FPR, TPR, num_members=10**6, num_nonmembers=10**6,
                                 delta=1e-5)
    assert moderate > 5


def test_a_bound_that_fails_is_no_bound(monkeypatch):
    from mia_defense.metrics import epsilon

    monkeypatch.setattr(epsilon, "betaincinv", lambda a, b, q: np.nan * a)
    assert np.isnan(empirical_epsilon(FPR, TPR, num_members=100, num_nonmembers=100,
                                      delta=1e-5))  # (was 0.0: no leak)
