import math

import pytest

from mia_defense.report import pareto_front


def test_front_keeps_only_undominated_runs_ordered_by_leakage():
    utility = [0.90, 0.80, 0.95, 0.70, 0.85]
    leakage = [0.10, 0.05, 0.30, 0.20, 0.05]
    # run 1 (0.80, 0.05) is dominated by run 4 (0.85, 0.05); run 3 by run 0 and run 4.
    assert pareto_front(utility, leakage) == [4, 0, 2]


def test_identical_runs_both_stay_and_nan_runs_are_left_out():
    assert pareto_front([0.9, 0.9, math.nan], [0.1, 0.1, 0.0]) == [0, 1]
    assert pareto_front([], []) == []


def test_lengths_must_match():
    with pytest.raises(ValueError, match="utility has 2 runs but leakage has 1"):
        pareto_front([0.1, 0.2], [0.3])


def test_ties_on_one_axis_are_broken_by_the_other():
    # same accuracy: the less leaky one dominates; same leakage: the more accurate one
    assert pareto_front([0.9, 0.9], [0.2, 0.1]) == [1]
    assert pareto_front([0.8, 0.9], [0.1, 0.1]) == [1]
    # -0.0 and 0.0 are one figure: both stay
    assert pareto_front([0.9, 0.9], [0.0, -0.0]) == [0, 1]
    # a NaN in either figure leaves the run out, never dominating nor dominated
    assert pareto_front([math.nan, 0.5, 0.6], [0.0, math.nan, 0.3]) == [2]
