"""A ranked run whose results.json gives one black-box attack's AUC as null (NaN when
written) while its other attacks have one gets a caveat, as a null TPR at 0.1% FPR does.

Measured: a DP run with lira's ``auc`` set to null (its TPRs intact) was ranked without a
word, its AUC column (and the AUC chart's front) showing loss's 0.519 for lira's 0.612:
the highest AUC of its attacks, understated. mia-defense writes every attack's AUC or
none (they score the same records): the file was edited, or written by a tool of one's own.
"""

from __future__ import annotations

from mia_defense.report import write_report
from tests.report.fake_runs import rewrite_results, two_run_sweep


def _null_auc(payload):
    payload["attacks"]["lira"]["auc"] = None


def test_a_null_auc_of_one_attack_is_a_caveat(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    rewrite_results(root / "b", _null_auc)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    notes = dict(report.caveats)
    assert "b" in notes
    assert "auc of lira is null (NaN) while other attacks have one" in notes["b"]
    assert "may be understated" in notes["b"]
    assert "a" not in notes
    summary = (tmp_path / "out" / "README.md").read_text()
    assert "auc of lira is null" in summary


def test_a_deleted_auc_of_one_attack_is_a_caveat(tmp_path):
    root = two_run_sweep(tmp_path / "sweep")
    rewrite_results(root / "b", lambda p: p["attacks"]["lira"].pop("auc"))
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert "auc of lira is missing while other attacks have one" in dict(report.caveats)["b"]


def test_a_null_tpr_is_said_once(tmp_path):
    """An attack null on both figures (all its scores NaN) keeps the one TPR note."""
    root = two_run_sweep(tmp_path / "sweep")

    def both(payload):
        payload["attacks"]["lira"]["auc"] = None
        payload["attacks"]["lira"]["tpr@0.1%fpr"] = None

    rewrite_results(root / "b", both)
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    notes = [note for name, note in report.caveats if name == "b"]
    assert any("tpr@0.1%fpr of lira is null" in n for n in notes)
    assert not any("auc of lira" in n for n in notes)
