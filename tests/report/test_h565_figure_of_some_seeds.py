"""A row whose seeds do not all have a figure of the fronts is read with care.

Measured (mia-report of dropout × seeds 0-2, the AUCs of seeds 1 and 2 deleted from their
results.json): the row, n 3, showed AUC 0.570 [0.515, 0.616] on its front and the AUC
chart, seed 0's alone, its least leaking (seeds 1 and 2 measured about 0.8 and 0.95), and
no warning or caveat said so.
"""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _drop_auc(payload):
    for metrics in payload["attacks"].values():
        for key in [k for k in metrics if k.startswith("auc")]:
            del metrics[key]


def test_seeds_without_an_auc_put_a_caveat_on_their_row(tmp_path):
    root = tmp_path / "sweep"
    for seed in range(3):
        make_run(root / f"b_s{seed}", test_accuracy=0.8, signal=0.3 + seed, seed=seed,
                 defense="dropout")  # fmt: skip
    for seed in (1, 2):
        rewrite_results(root / f"b_s{seed}", _drop_auc)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    (row,) = report.groups
    assert row.n == 3 and row.leak_auc.n == 1
    notes = dict(report.caveats)
    assert sorted(notes) == ["b_s1", "b_s2"]
    assert notes["b_s1"].startswith("no AUC of a black-box attack")
    assert "the mean of its other 1 of 3 runs alone" in notes["b_s1"]
    summary = (tmp_path / "out" / "README.md").read_text()
    assert "| 1 | `dropout` (read with care) |" in summary


def test_a_row_whose_seeds_all_lack_the_auc_gets_no_such_caveat(tmp_path):
    # (a tool of your own that records no AUC: the chart names the row as not drawn)
    root = tmp_path / "sweep"
    for seed in range(2):
        make_run(root / f"b_s{seed}", test_accuracy=0.8, signal=0.5, seed=seed)
        rewrite_results(root / f"b_s{seed}", _drop_auc)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert report.caveats == []
