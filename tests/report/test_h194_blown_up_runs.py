"""mia-report ranked a run whose training blew its loss up but kept it finite, where its
results.json, written before mia-train said so (privacy.no_verdict_reason), lacks the
reason: train.lr=1e6 (loss 5e15 on the models' own members, test accuracy 0.159 against
chance 0.106) sat on its front as a private model and handed a sweeper its figures. The
report now reads the same rule (metrics.utility.blown_up_loss) from the run's utility."""

from __future__ import annotations

from mia_defense.report import write_report
from mia_defense.report.objectives import objectives
from tests.report.fake_runs import make_run, not_ranked_reasons, rewrite_results


def _blown(payload):
    payload["num_classes"] = 10
    payload["utility"].update(train_loss=4.76e15, test_loss=5e15, epochs_trained=1.0,
                              test_accuracy=0.159, chance_accuracy=0.106)  # fmt: skip


def test_an_earlier_blown_up_run_is_not_ranked(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "learned", test_accuracy=0.80, signal=3.0)
    make_run(root / "blown", test_accuracy=0.159, signal=0.0, seed=1)
    payload = rewrite_results(root / "blown", _blown)
    assert "no_verdict_reason" not in payload["privacy"]
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [r.name for g in report.groups for r in g.runs] == ["learned"]
    reason = not_ranked_reasons(tmp_path / "out")["blown"]
    assert reason.startswith("no privacy verdict: training blew up"), reason
    names = ["utility.test_accuracy", "max_attack.tpr@0.1%fpr", "max_attack.auc"]
    assert objectives(payload, names) == [0.159, 1.0, 1.0]


def test_a_dp_run_its_accountant_vouches_for_is_ranked(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "dp", test_accuracy=0.159, signal=0.0, defense="dp", epsilon=0.5)
    payload = rewrite_results(root / "dp", _blown)
    assert payload["privacy"]["epsilon"] == 0.5  # a DP accountant that vouches for the run
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert [r.name for g in report.groups for r in g.runs] == ["dp"]
    assert objectives(payload, ["max_attack.auc"])[0] < 1.0
