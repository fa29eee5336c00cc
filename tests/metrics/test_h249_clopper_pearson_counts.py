"""clopper_pearson_upper (in metrics.epsilon's __all__) checked none of its arguments: -1
errors gave a NaN bound silently, 1.5 or 11 of 10 trials a number. Refused, as
empirical_epsilon refuses its counts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import beta

from mia_defense.errors import ConfigError, DataError
from mia_defense.metrics.epsilon import clopper_pearson_upper


def test_counts_still_give_the_beta_quantile():
    upper = clopper_pearson_upper(np.array([0, 3, 10]), 10, 0.05)
    assert upper == pytest.approx([beta.ppf(0.95, 1, 10), beta.ppf(0.95, 4, 7), 1.0])
    assert clopper_pearson_upper([3.0], np.int64(10), np.float64(0.05)) == pytest.approx(upper[1])


@pytest.mark.parametrize("errors, said", [
    ([-1], r"errors holds -1.0 \(trials=10\); give counts of errors, whole numbers from 0"),
    ([1.5], r"errors holds 1.5 \(trials=10\)"),
    ([11], r"errors holds 11.0 \(trials=10\)"),
    ([np.nan], r"errors holds nan \(trials=10\)"),
    (["a"], r"errors: not numbers; give counts of errors"),
])
def test_errors_that_are_no_counts_are_refused(errors, said):
    with pytest.raises(DataError, match=said):
        clopper_pearson_upper(errors, 10, 0.05)


@pytest.mark.parametrize("trials, alpha, said", [
    (-1, 0.05, r"trials=-1: must be an integer >= 0"),
    (10.5, 0.05, r"trials=10.5: must be an integer >= 0"),
    (True, 0.05, r"trials=True: must be an integer >= 0"),
    (10, 1.5, r"alpha=1.5: must be a number in \(0, 1\), e\.g\. 0\.05 for a 95% bound"),
    (10, float("nan"), r"alpha=nan: must be a number in \(0, 1\)"),
])
def test_settings_out_of_range_are_refused(trials, alpha, said):
    with pytest.raises(ConfigError, match=f"clopper_pearson_upper: {said}"):
        clopper_pearson_upper([1], trials, alpha)
