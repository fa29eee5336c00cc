"""A results.json whose TPRs were replaced by hand (every attack's TPR at 0.1% FPR set to 0.0,
its AUCs left alone: ROC-consistent, and a find-and-replace changes the headline's copies
alike) was ranked first on the front as the least leaky run: nothing read the TPRs against
the run's scores.npz, only the AUC (for the ROC chart and the ties' caveat). The report now
measures the strongest attack's TPRs on its scores where their AUC is the one recorded (the
scores are the run's; where the strongest's AUC was nulled too, another attack's AUC shows
it) and skips a run whose figures are not theirs, naming the figure (helper h289). A
scores.npz of another run still leaves the run ranked (test_h123_recorded_ties)."""

from __future__ import annotations

import pytest

from mia_defense.report import write_report
from tests.report.fake_runs import fpr_key, make_run, not_ranked_reasons, rewrite_results


@pytest.mark.parametrize(("fillers", "auc"), [(0, True), (20, True), (0, False)])
def test_a_run_whose_tprs_are_not_those_of_its_scores_is_skipped(tmp_path, fillers, auc):
    root = tmp_path / "sweep"
    # (a config listing many FPRs is read at a few, the ranking one among them)
    fprs = [0.1, 0.01, *(0.2 + i / 100 for i in range(fillers)), 0.001]
    base = make_run(root / "leaky", test_accuracy=0.90, signal=3.0,
                    config={"attack.fprs": fprs})["attacks"]
    make_run(root / "other", test_accuracy=0.80, signal=0.3, seed=1)

    def lowered(payload):
        for metrics in payload["attacks"].values():
            metrics[fpr_key(0.001)] = 0.0
        if not auc:  # the strongest's alone, its AUC nulled: the file is the run's by another's
            strongest = payload["attacks"][payload["strongest_attack"]]
            strongest["auc"] = strongest["auc_ci_low"] = strongest["auc_ci_high"] = None
            for name, metrics in payload["attacks"].items():
                if name != payload["strongest_attack"]:
                    metrics[fpr_key(0.001)] = base[name][fpr_key(0.001)]

    strongest = rewrite_results(root / "leaky", lowered)["strongest_attack"]
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [s.name for s in report.summaries] == ["other"]
    assert str(root / "leaky") in not_ranked_reasons(tmp_path / "out")
    (reason,) = [why for path, why in report.skipped if path == root / "leaky"]
    assert reason.startswith(f"{root / 'leaky' / 'scores.npz'}: its {strongest} scores give a "
                             "tpr@0.1%fpr of 0.")
    whose = "their" if auc else f"its {next(n for n in base if n != strongest)} scores'"
    assert (f"results.json records 0 (attacks.{strongest}.tpr@0.1%fpr), though {whose} AUC is "
            "the one it records: results.json's figure was changed after the run") in reason
