"""Runs of one dataset and model attacked as different numbers of targets get fronts of their
own: `attack.num_targets` sets how many non-member scores a TPR at low FPR rests on (one
target of K=4 at N=200: 100 scores, so "TPR at 0.1% FPR" is the TPR at FPR 0), a yardstick
as much as `plan.num_models` is.

Measured: mia-train -m plan.num_models=4 plan.population_size=200 train.epochs=2
attack.num_targets=1,2 put both runs (the same models) on one Pareto front of digits · MLP.
"""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def _fronts(tmp_path, *runs):
    root = tmp_path / "sweep"
    for name, accuracy, signal, config in runs:
        make_run(root / name, test_accuracy=accuracy, signal=signal, config=config)
    return write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)


def test_runs_attacked_as_other_numbers_of_targets_get_fronts_of_their_own(tmp_path):
    report = _fronts(
        tmp_path,
        ("attack.num_targets=1", 0.90, 3.0, {}),
        ("attack.num_targets=2", 0.95, 0.1, {}),
    )
    assert sorted(report.fronts) == [
        ("digits", "MLP [attack.num_targets=1]"),
        ("digits", "MLP [attack.num_targets=2]"),
    ]


def test_runs_of_other_num_models_are_not_labelled_by_their_targets(tmp_path):
    # null targets every model: K=2 and K=16 differ by plan.num_models alone
    report = _fronts(
        tmp_path,
        ("plan.num_models=16", 0.90, 3.0, {}),
        ("plan.num_models=2", 0.95, 0.1, {"attack.num_targets": None}),
    )
    assert sorted(report.fronts) == [
        ("digits", "MLP [plan.num_models=16]"),
        ("digits", "MLP [plan.num_models=2]"),
    ]


def test_a_few_targets_against_the_default_are_named(tmp_path):
    report = _fronts(
        tmp_path,
        ("attack.num_targets=1", 0.90, 3.0, {}),
        ("default", 0.95, 0.1, {"attack.num_targets": None}),
    )
    assert sorted(report.fronts) == [
        ("digits", "MLP [attack.num_targets=1]"),
        ("digits", "MLP [attack.num_targets=null]"),
    ]


def test_null_num_targets_is_every_model_up_to_16(tmp_path):
    # K=4 (the fake runs' plan.num_models): null attacks all 4, the same yardstick as 4
    report = _fronts(
        tmp_path,
        ("a", 0.90, 3.0, {"attack.num_targets": None}),
        ("b", 0.95, 0.1, {"attack.num_targets": 4}),
        ("c", 0.80, 0.1, {}),  # a run whose config does not name the key
    )
    assert list(report.fronts) == [("digits", "MLP")]
