"""tests.report.fake_runs.make_run names its strongest attack by the run's rule (helper 597).

It picked by (TPR@0.1%FPR, AUC), the rule before 7131d8e; mia-train picks by
`mia_defense.attacks.runner.strongest` (the TPR at the lowest FPR, then at each higher FPR,
then the AUC), as mia-report's check of an edited strongest_attack does (97f131ec). At
seed 3, signal 0.2 the two disagree: both attacks find 1 member at 0.1% FPR, loss more at
1% FPR, lira a higher AUC; the fake run named lira, which no run of these figures names.
"""

from __future__ import annotations

from tests.report.fake_runs import make_run


def test_a_tie_at_the_lowest_fpr_is_broken_by_the_next_fpr(tmp_path):
    payload = make_run(tmp_path / "a", test_accuracy=0.9, signal=0.2, seed=3)
    loss, lira = payload["attacks"]["loss"], payload["attacks"]["lira"]
    assert loss["tpr@0.1%fpr"] == lira["tpr@0.1%fpr"] > 0
    assert loss["tpr@1%fpr"] > lira["tpr@1%fpr"] and loss["auc"] < lira["auc"]
    assert payload["strongest_attack"] == "loss"


def test_tpr_0_at_every_low_fpr_is_broken_by_the_next_fpr(tmp_path):
    # (seed 0, signal 0.5: both at 0 at 0.1% FPR; lira 0.038 at 1% FPR, loss 0; AUC loss's)
    payload = make_run(tmp_path / "a", test_accuracy=0.9, signal=0.5, seed=0)
    loss, lira = payload["attacks"]["loss"], payload["attacks"]["lira"]
    assert loss["tpr@0.1%fpr"] == lira["tpr@0.1%fpr"] == 0
    assert lira["tpr@1%fpr"] > loss["tpr@1%fpr"] and lira["auc"] < loss["auc"]
    assert payload["strongest_attack"] == "lira"
