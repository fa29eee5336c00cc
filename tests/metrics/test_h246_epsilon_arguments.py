"""empirical_epsilon and epsilon_from_rates checked none of their settings: a confidence of 0
claimed more ε than 0.95 (3.39 for 1.99), a δ of -1 too, max_thresholds=0 was a raw
ZeroDivisionError, a count of 100.5 or NaN trials, NaN or out-of-range rates and fpr/tpr of
other lengths each gave a number. Refused, naming the function and the argument."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from mia_defense.errors import ConfigError, DataError
from mia_defense.metrics import empirical_epsilon, epsilon_from_rates

FPR, TPR = np.array([0.0, 0.01, 1.0]), np.array([0.0, 0.5, 1.0])
COUNTS = {"num_members": 100, "num_nonmembers": 100, "delta": 1e-5}


def test_the_bound_is_its_docstrings_formula():
    # one ROC point picked: (fp, fn) = (1, 50) of 100 each, Bonferroni over 2 bounds
    alpha = 0.05 / 2
    fpr_high, fnr_high = beta.ppf(1 - alpha, 2, 99), beta.ppf(1 - alpha, 51, 50)
    expected = max(np.log((1 - 1e-5 - fpr_high) / fnr_high),
                   np.log((1 - 1e-5 - fnr_high) / fpr_high))
    assert empirical_epsilon(FPR, TPR, **COUNTS, max_thresholds=1) == pytest.approx(expected)
    assert empirical_epsilon(list(FPR), list(TPR), **COUNTS) == empirical_epsilon(FPR, TPR,
                                                                                  **COUNTS)


@pytest.mark.parametrize("setting, said", [
    ({"confidence": 0}, r"confidence=0: must be a number in \(0, 1\), e\.g\. 0\.95"),
    ({"confidence": 1.5}, r"confidence=1.5: must be a number in \(0, 1\)"),
    ({"confidence": float("nan")}, r"confidence=nan: must be a number in \(0, 1\)"),
    ({"delta": -1.0}, r"delta=-1.0: must be a number in \[0, 1\), e\.g\. the DP run"),
    ({"delta": float("nan")}, r"delta=nan: must be a number in \[0, 1\)"),
    ({"max_thresholds": 0}, r"max_thresholds=0: must be an integer >= 1"),
    ({"num_members": 100.5}, r"num_members=100.5: must be an integer >= 0"),
    ({"num_nonmembers": float("nan")}, r"num_nonmembers=nan: must be an integer >= 0"),
])
def test_a_setting_out_of_range_is_refused(setting, said):
    with pytest.raises(ConfigError, match=rf"empirical_epsilon: {said}"):
        empirical_epsilon(FPR, TPR, **{**COUNTS, **setting})


@pytest.mark.parametrize("fpr, tpr, said", [
    (FPR, TPR[:2], r"fpr \(3,\) and tpr \(2,\): give the ROC curve"),
    ([0.0, np.nan, 1.0], TPR, r"fpr holds values outside \[0, 1\] \(or NaN\)"),
    ([0.0, 2.0, 1.0], TPR, r"fpr holds values outside \[0, 1\]"),
    ([0.0, 0.5, 0.1], TPR, r"fpr falls along the curve"),
])
def test_a_curve_that_is_none_is_refused(fpr, tpr, said):
    with pytest.raises(DataError, match=rf"empirical_epsilon: {said}"):
        empirical_epsilon(np.asarray(fpr), np.asarray(tpr), **COUNTS)


def test_epsilon_from_rates_refuses_what_gives_no_epsilon():
    assert epsilon_from_rates([0.01], [0.5], delta=1e-5) == pytest.approx([np.log(0.5 / 0.01)],
                                                                          rel=1e-4)
    with pytest.raises(ConfigError,
                       match=r"epsilon_from_rates: delta=-1: must be a number in \[0, 1\)"):
        epsilon_from_rates(np.array([0.01]), np.array([0.5]), delta=-1)
    for bad in (-0.5, 2.0, np.nan):
        with pytest.raises(DataError, match=r"epsilon_from_rates: fpr holds values outside"):
            epsilon_from_rates(np.array([bad]), np.array([0.5]), delta=1e-5)
