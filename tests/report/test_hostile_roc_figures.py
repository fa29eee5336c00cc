"""An attack's figures are read off one ROC curve: its TPR never falls as the FPR rises, and a
TPR t at FPR f leaves an area of at least t (1 - f) under it. An AUC lowered by hand (the AUC
chart ranks by it) or a TPR edited out of order was ranked; such a run is skipped."""

import pytest

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


@pytest.mark.parametrize(("edit", "said"), [
    (lambda m: m.update({"auc": 0.05}), "attacks.lira.auc 0.05 is below "),
    (lambda m: m.update({"tpr@0.1%fpr": 0.99}),
     "attacks.lira.tpr@0.1%fpr 0.99 is above its tpr@1%fpr "),
])  # fmt: skip
def test_figures_no_roc_curve_gives_are_skipped(tmp_path, edit, said):
    sweep = tmp_path / "sweep"
    make_run(sweep / "good", test_accuracy=0.9, signal=3.0)
    make_run(sweep / "edited", test_accuracy=0.9, signal=3.0, seed=1)
    rewrite_results(sweep / "edited", lambda p: edit(p["attacks"]["lira"]))
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["good"]
    reason = dict(loaded.skipped)[sweep / "edited"]
    assert reason.startswith(said) and reason.endswith(
        "a figure was changed after the run; rerun it")


def test_a_tpr_key_whose_fpr_is_no_number_is_left_alone(tmp_path):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=3.0)
    rewrite_results(run, lambda p: p["attacks"]["lira"].update({"tpr@1.2.3%fpr": 0.5,
                                                                "tpr@.%fpr": 0.5}))
    assert [r.name for r in load_runs([run]).runs] == ["run"]  # was a ValueError traceback
