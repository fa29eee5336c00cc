"""A row whose seeds do not all have a secondary figure (an attack's TPR at 1% FPR) is
read with care, as a row missing a figure of the fronts is (test_h565_figure_of_some_seeds).

Measured (mia-report of dropout x seeds 0-2, loss's ``tpr@1%fpr`` deleted from the
results.json of seeds 1 and 2): tradeoff.csv's ``loss.tpr@1%fpr`` was seed 0's alone, its
row's ``n`` 3, and no warning, caveat or ``read_with_care`` said so.
"""

from __future__ import annotations

import csv

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _drop_loss_tpr_at_1(payload):
    metrics = payload["attacks"]["loss"]
    for key in [k for k in metrics if k.startswith("tpr@1%fpr")]:
        del metrics[key]


def test_seeds_without_a_secondary_figure_put_a_caveat_on_their_row(tmp_path):
    root = tmp_path / "sweep"
    for seed in range(3):
        make_run(root / f"b_s{seed}", test_accuracy=0.8, signal=0.3 + seed, seed=seed,
                 defense="dropout")  # fmt: skip
    for seed in (1, 2):
        rewrite_results(root / f"b_s{seed}", _drop_loss_tpr_at_1)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (row,) = report.groups
    assert row.n == 3 and row.metrics["loss.tpr@1%fpr"].n == 1
    notes = dict(report.caveats)
    assert sorted(notes) == ["b_s1", "b_s2"]
    assert notes["b_s1"].startswith("no loss.tpr@1%fpr (1) (deleted")
    assert "columns are the means of its other runs (of 3) having each" in notes["b_s1"]
    with (tmp_path / "out" / "tradeoff.csv").open(newline="", encoding="utf-8") as handle:
        (line,) = csv.DictReader(handle)
    assert line["read_with_care"] == "yes"
