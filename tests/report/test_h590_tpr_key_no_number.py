"""A results.json whose strongest attack holds a key ``tpr@1.2.3%fpr`` (no FPR: added by
hand or by a tool of your own) crashed mia-report with a traceback ('ValueError: could not
convert string to float: '1.2.3'', in `strongest_at_zero`): its key pattern took any digits
and dots. It is read as no TPR, as the checks of a run's ROC curve read it (helper 590)."""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import make_run, rewrite_results


def test_a_tpr_key_without_a_number_is_no_tpr(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "a", test_accuracy=0.9, signal=1.0)
    make_run(root / "b", test_accuracy=0.8, signal=1.0, defense="dropout")
    rewrite_results(root / "a", lambda p: p["attacks"][p["strongest_attack"]].__setitem__(
        "tpr@1.2.3%fpr", 0.0))
    report = write_report([root], out_dir=tmp_path / "out", charts=False, tensorboard=False)
    assert sorted(s.name for s in report.summaries) == ["a", "b"]
