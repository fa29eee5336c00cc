"""bootstrap_intervals called from Python: a count of resamples of 2.5 or True, a seed of -1
and a confidence given as text were raw TypeErrors or numpy's 'expected non-negative
integer', a negative count gave NaN intervals and a count beyond MAX_BOOTSTRAP ran for days
(the config refuses it). Refused naming the function and the setting."""

from __future__ import annotations

import numpy as np
import pytest

from mia_defense.errors import ConfigError, DataError
from mia_defense.metrics import bootstrap_intervals
from mia_defense.metrics.bootstrap import MAX_BOOTSTRAP

SCORES, TRUTH = np.arange(6.0), np.array([0, 1, 0, 1, 1, 0])


@pytest.mark.parametrize("setting, said", [
    ({"num_resamples": 2.5}, r"num_resamples=2.5: must be an integer in \[0, 100000\]"),
    ({"num_resamples": True}, r"num_resamples=True: must be an integer in \[0, 100000\]"),
    ({"num_resamples": -1}, r"num_resamples=-1: must be an integer in \[0, 100000\]"),
    ({"num_resamples": MAX_BOOTSTRAP + 1},
     r"num_resamples=100001: must be an integer in \[0, 100000\]"),
    ({"seed": -1}, r"seed=-1: must be an integer >= 0"),
    ({"seed": "a"}, r"seed='a': must be an integer >= 0"),
    ({"confidence": "0.9"}, r"confidence='0.9': must be a number in \(0, 1\)"),
])  # fmt: skip
def test_a_setting_of_the_wrong_kind_is_refused(setting, said):
    with pytest.raises(ConfigError, match=rf"bootstrap_intervals: {said}"):
        bootstrap_intervals(SCORES, TRUTH, fprs=(0.1,), **{"num_resamples": 5, **setting})


def test_whole_numbers_of_numpy_types_and_no_resamples_still_work():
    drawn = bootstrap_intervals(SCORES, TRUTH, fprs=(0.1,), num_resamples=np.int64(5),
                                seed=np.int32(3))
    assert drawn == bootstrap_intervals(SCORES, TRUTH, fprs=(0.1,), num_resamples=5, seed=3)
    assert bootstrap_intervals(SCORES, TRUTH, fprs=(0.1,), num_resamples=0).num_resamples == 0


def test_scores_of_three_axes_are_refused():
    """[2, 3, 4] scores were drawn as 3 'records' (truth.shape[1]) of 8 scores each, not as
    the 4 records of the last axis: intervals of other draws, without a word."""
    rng = np.random.default_rng(0)
    with pytest.raises(DataError, match=r"bootstrap_intervals: scores \(2, 3, 4\): give "
                                        r"\[T, N\] \(targets x records\) or \[N\]"):
        bootstrap_intervals(rng.normal(size=(2, 3, 4)), rng.random((2, 3, 4)) < 0.5,
                            fprs=(0.1,), num_resamples=5)
