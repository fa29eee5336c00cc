"""An attack of mia-defense's own whose ``access`` was edited in results.json (LiRA, a
black-box attack, marked ``weights``) left the verdict: the report's leakage is the
strongest black-box attack's, so the run was ranked on its weakest attack's figure. The
access a built-in attack declares is checked against the one recorded."""

from mia_defense.report import load_runs
from tests.report.fake_runs import make_run, rewrite_results


def _forge(payload, access):
    payload["config"]["attack"]["attacks"]["lira"] = {"_target_": "mia_defense.attacks.lira"}
    payload["config"]["attack"]["attacks"]["loss"] = {
        "_target_": "mia_defense.attacks.threshold.loss_attack"
    }
    payload["attacks"]["loss"]["access"] = "outputs"
    payload["attacks"]["lira"]["access"] = access


def test_a_black_box_attack_marked_white_box_by_hand_is_skipped(tmp_path):
    sweep = tmp_path / "sweep"
    make_run(sweep / "honest", test_accuracy=0.9, signal=3.0)
    rewrite_results(sweep / "honest", lambda p: _forge(p, "outputs"))
    make_run(sweep / "forged", test_accuracy=0.9, signal=3.0, seed=1)
    rewrite_results(sweep / "forged", lambda p: _forge(p, "weights"))
    loaded = load_runs([sweep])
    assert [r.name for r in loaded.runs] == ["honest"]
    assert dict(loaded.skipped)[sweep / "forged"] == (
        "attacks.lira.access is 'weights', but its attack (mia_defense.attacks.lira, "
        "config.attack.attacks.lira) declares 'outputs': the file was edited; rerun the run"
    )


def test_an_attack_of_your_own_keeps_the_access_it_records(tmp_path):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=3.0)

    def own(payload):
        _forge(payload, "weights")
        payload["config"]["attack"]["attacks"]["lira"]["_target_"] = "my_pkg.attacks.lira"
        payload["strongest_attack"] = "loss"  # (picked among the black-box attacks, as runs do)

    rewrite_results(run, own)
    assert [r.name for r in load_runs([run]).runs] == ["run"]
