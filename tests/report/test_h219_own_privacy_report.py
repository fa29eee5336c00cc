"""An ε reported by a defense of the user's own, chosen on the command line, passed as a
guarantee: mia-train records the ``privacy_report`` of any defense that has one, so
``+defense.claim._target_=claimdef.Claim`` (a defense that trains as no defense does and
reports ε 0.5) wrote ``epsilon_valid: true``, and mia-report showed ε 0.5, valid "yes", on
the front with no caveat (measured: digits, plan.num_models=4, train.epochs=2). mia-train
now writes ``epsilon_valid: false`` with the reason, and mia-report doubts such an ε in a
file written before (no DP-SGD of mia-defense in its config); nor does it vouch for a
training that blew up."""

from __future__ import annotations

from mia_defense.cli.train import run
from mia_defense.defenses.base import TrainingDefense
from mia_defense.report import load_runs, write_report
from mia_defense.tracking import read_json
from tests.report.fake_runs import make_run, not_ranked_reasons, rewrite_results

CLAIM = {"epsilon": 0.5, "delta": 1e-5, "epsilon_valid": True, "accountant": "rdp"}


class Claim(TrainingDefense):
    """Trains as no defense does; reports an ε all the same."""

    name = "claim"

    def privacy_report(self, per_model, *, dataset, stacked_with=(), one_hot_columns=None):
        return dict(CLAIM)


def _own_claim(payload):
    payload["config"]["defense"] = {"claim": {"_target_": "claimdef.Claim"}}
    payload["defense"]["defense"] = "claim"
    payload["privacy"] = dict(CLAIM)


def test_an_epsilon_no_dp_sgd_of_mia_defense_spent_is_read_with_care(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "claim", test_accuracy=0.8, signal=0.3)
    rewrite_results(root / "claim", _own_claim)
    loaded = load_runs([root])
    notes = [note for _, note in loaded.caveats]
    assert any("no DP-SGD of mia-defense trained it (config.defense: claim (claimdef.Claim))"
               in note for note in notes), notes  # fmt: skip
    report = write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    assert report.groups[0].epsilon == 0.5
    assert report.groups[0].epsilon_valid is False  # (the tables' ε valid: "no")


def test_an_epsilon_of_your_own_vouches_for_no_blown_up_training(tmp_path):
    root = tmp_path / "sweep"
    make_run(root / "learned", test_accuracy=0.8, signal=3.0)
    make_run(root / "blown", test_accuracy=0.159, signal=0.0, seed=1)

    def blown(payload):
        _own_claim(payload)
        payload["utility"].update(train_loss=4.76e15, test_accuracy=0.159, chance_accuracy=0.106)
        payload["num_classes"] = 10

    rewrite_results(root / "blown", blown)
    write_report([root], out_dir=tmp_path / "out", tensorboard=False, charts=False)
    reason = not_ranked_reasons(tmp_path / "out")["blown"]
    assert reason.startswith("no privacy verdict: training blew up"), reason


def test_mia_train_says_a_privacy_report_of_your_own_is_no_guarantee(make_cfg, tmp_path):
    run(make_cfg(f"+defense.claim._target_={__name__}.Claim", "plan.num_models=4",
                 "train.epochs=1", "figures=false"), tmp_path / "run")  # fmt: skip
    privacy = read_json(tmp_path / "run" / "results.json")["privacy"]
    assert privacy["epsilon"] == 0.5
    assert privacy["epsilon_valid"] is False
    assert privacy["epsilon_invalid_reason"] == (
        f"the ε is the report of {__name__}.Claim (its privacy_report), not mia-defense's "
        "DP-SGD: mia-defense neither ran nor checked its mechanism or accounting")
