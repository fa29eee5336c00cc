"""A run lacking a figure of the fronts and attack columns too is told of all of them in
one caveat (one warning).

Measured (mia-report of three seeds of one config, seed 0's AUCs and loss's ``tpr@1%fpr``
deleted from its results.json): the caveat and the warning named only 'no AUC of a
black-box attack'; loss.tpr@1%fpr, lira.auc and loss.auc, also the means of the other two
seeds alone, were said only after the AUCs were put back and the report run again.
"""

from __future__ import annotations

import logging

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def _drop(payload):
    for metrics in payload["attacks"].values():
        for key in [k for k in metrics if k.startswith("auc")]:
            del metrics[key]
    for key in [k for k in payload["attacks"]["loss"] if k.startswith("tpr@1%fpr")]:
        del payload["attacks"]["loss"][key]


def test_a_run_lacking_a_front_figure_and_columns_is_told_of_all_at_once(tmp_path, caplog):
    root = tmp_path / "sweep"
    for seed in range(3):
        make_run(root / f"b_s{seed}", test_accuracy=0.8, signal=0.3 + seed, seed=seed)
    rewrite_results(root / "b_s0", _drop)
    with caplog.at_level(logging.WARNING):
        report = write_report([root], out_dir=tmp_path / "out", tensorboard=False,
                              charts=False)  # fmt: skip
    notes = [note for name, note in report.caveats if name == "b_s0"]
    assert len(notes) == 1, notes
    (note,) = notes
    assert note.startswith("no AUC of a black-box attack")
    for column in ("loss.tpr@1%fpr (2)", "lira.auc (2)", "loss.auc (2)"):
        assert column in note
    assert "AUC is the mean of its other 2 of 3 runs alone" in note
    assert "columns are the means of its other runs (of 3) having each" in note
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("b_s0: no ")]
    assert len(said) == 1 and "loss.tpr@1%fpr (2)" in said[0]

