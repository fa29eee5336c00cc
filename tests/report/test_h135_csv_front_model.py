"""tradeoff.csv and runs.csv name each row's front as the report does: a run attacked
otherwise than others of its dataset and model has the evaluation in brackets after the model.

Measured (mia-report of digits sweeps at plan.num_models=4 and 8, K=4: defense=none acc 0.854,
TPR@0.1%FPR 0.0055; K=8: defense=none acc 0.840, TPR 0.0018): the report put them on two fronts
(`MLP [plan.num_models=4]`, `MLP [plan.num_models=8]`), but both CSVs said model `MLP` and
pareto `yes` for the K=4 row, which the K=8 row of the same dataset and model dominates.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from tests.report.fake_runs import make_run


def _column(path, key):
    with path.open() as handle:
        return {row["run"]: (row[key], row["pareto"]) for row in csv.DictReader(handle)}


def test_rows_of_two_evaluations_name_their_front_in_the_model_column(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "plan.num_models=16", test_accuracy=0.90, signal=3.0)
    make_run(root / "plan.num_models=2", test_accuracy=0.95, signal=0.1)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert sorted(report.fronts) == [
        ("digits", "MLP [plan.num_models=16]"),
        ("digits", "MLP [plan.num_models=2]"),
    ]
    expected = {
        "plan.num_models=16": ("MLP [plan.num_models=16]", "yes"),
        "plan.num_models=2": ("MLP [plan.num_models=2]", "yes"),
    }
    assert _column(tmp_path / "out" / "tradeoff.csv", "model") == expected
    assert _column(tmp_path / "out" / "runs.csv", "model") == expected


def test_rows_attacked_alike_keep_the_models_name(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "train.epochs=3", test_accuracy=0.9, signal=3.0)
    make_run(root / "train.epochs=9", test_accuracy=0.8, signal=0.1, seed=1)
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    models = _column(tmp_path / "out" / "tradeoff.csv", "model")
    assert {model for model, _ in models.values()} == {"MLP"}
