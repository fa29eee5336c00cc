"""Rows whose runs measure the same figures, seeded in another order, tie exactly, and both
stay on the front.

Measured (mia-report of a sweep of two weight_decay coefficients × seeds 0-2, each row's
models measuring test accuracy 0.7, 0.8 and 0.9, by seed in opposite orders, and the same
TPRs): the rows' means were 0.7999999999999999 and 0.8000000000000002 (the floats summed in
another order), so the second row "dominated" the first, which was left off the front of
two rows that tie.
"""

from __future__ import annotations

import math

from mia_defense.report import write_report
from mia_defense.report.stats import estimate
from tests.report.fake_runs import make_run


def test_a_mean_does_not_depend_on_the_order_of_the_runs():
    nan = (float("nan"), float("nan"))
    forward = estimate([0.7, 0.8, 0.9], [nan] * 3)
    backward = estimate([0.9, 0.8, 0.7], [nan] * 3)
    assert forward.value == backward.value


def test_rows_tied_on_both_figures_both_stay_on_the_front(tmp_path):
    root = tmp_path / "sweep"
    for name, coefficient, accuracies in (("a", 0.1, (0.7, 0.8, 0.9)), ("b", 0.2, (0.9, 0.8, 0.7))):
        for seed, accuracy in enumerate(accuracies):
            make_run(root / f"defense={name},seed={seed}", test_accuracy=accuracy, signal=1.0,
                     seed=seed, defense="weight_decay",
                     defense_hparams={"weight_decay.coefficient": coefficient})  # fmt: skip
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [g.label for g in report.groups] == ["defense=a", "defense=b"]
    assert report.groups[0].test_accuracy.value == report.groups[1].test_accuracy.value
    assert report.fronts == {("digits", "MLP"): [0, 1]}


def test_seeds_of_one_figure_have_that_figure_as_their_mean():
    # three seeds each at TPR 0.003 (3 of 1000 non-members) averaged 0.0030000000000000005,
    # above a one-seed row's 0.003 of the same accuracy, which then "dominated" it
    nan = (float("nan"), float("nan"))
    same = estimate([0.003] * 3, [nan] * 3)
    assert same.value == 0.003 and same.std == 0.0
    assert math.isnan(same.low)  # (one value, no interval of their own: none, not [v, v])
    assert estimate([0.007] * 5, [nan] * 5).value == 0.007
    assert estimate([0.1, 0.2, 0.3], [nan] * 3).value == 0.2
