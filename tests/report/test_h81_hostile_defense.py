"""A run's defense or release name edited in results.json (``defense.defense`` from ``none``
to ``dp``) against the config that trained the models: mia-report grouped and labelled the
undefended run as a DP one, and mia-attack carried the name into its own record."""

import pytest

from mia_defense.attack_source_facts import _results_problem
from mia_defense.report import load_runs
from mia_defense.report.checks import BUILT_IN_DEFENSES, BUILT_IN_RELEASES
from tests.report.fake_runs import make_run, rewrite_results


def _real_dp(payload):
    payload["config"]["defense"]["dp"]["_target_"] = "mia_defense.defenses.DPSGD"


@pytest.mark.parametrize(("defense", "edit", "reason"), [
    ("none", lambda p: p["defense"].update(defense="dp"),
     "defense.defense is 'dp', but config.defense, which trained the models, is empty (no "
     "defense): the file was edited; rerun the run"),
    ("dp", lambda p: (_real_dp(p), p["defense"].update(defense="none")),
     "defense.defense is 'none', but config.defense, which trained the models, holds 'dp': "
     "the file was edited; rerun the run"),
    ("none", lambda p: p["defense"].update(release="noise"),
     "defense.release is 'noise', but config.release, which released the outputs, is "
     "'full': the file was edited; rerun the run"),
])  # fmt: skip
def test_a_defense_name_edited_against_the_config_is_skipped_and_refused(
    tmp_path, defense, edit, reason
):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=2.0, defense=defense, chance_accuracy=0.1)
    payload = rewrite_results(run, edit)
    loaded = load_runs([run])
    assert loaded.runs == [] and dict(loaded.skipped)[run] == reason
    assert _results_problem(payload) == reason


def test_the_names_of_defenses_of_the_run_and_of_a_users_own_pass(tmp_path):
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=2.0, defense="dp")
    rewrite_results(run, _real_dp)  # the name DPSGD records
    own = tmp_path / "own"
    make_run(own, test_accuracy=0.9, signal=2.0, defense="dp", seed=1)
    rewrite_results(own, lambda p: (p["config"]["defense"]["dp"].update(_target_="my.Defense"),
                                    p["defense"].update(defense="anything")))  # fmt: skip
    assert [r.name for r in load_runs([tmp_path]).runs] == ["own", "run"]


def test_the_built_in_names_are_those_the_classes_record():
    import mia_defense.defenses as defenses

    for table in (BUILT_IN_DEFENSES, BUILT_IN_RELEASES):
        assert {cls: getattr(defenses, cls).name for cls in table} == table
    releases = {n for n in defenses.__all__ if n.endswith("Release") and n != "Release"}
    assert releases == set(BUILT_IN_RELEASES)


def test_a_dp_claim_no_measurement_could_exceed_is_a_caveat_in_the_report(tmp_path):
    untested = ("too few decisions to test the accountant's ε 7.99: even a perfect attack "
                "could show at most ε >= 5.08 here")  # fmt: skip
    for seed, value in enumerate((untested, True)):
        run = tmp_path / f"seed={seed}"
        make_run(run, test_accuracy=0.9, signal=0.3, defense="dp", epsilon=8.0, seed=seed)
        rewrite_results(run, lambda p, v=value: p["privacy"].update(epsilon_untested=v))
    notes = {r.name: n for r, n in load_runs([tmp_path]).caveats if n.startswith("DP claim")}
    assert notes == {"seed=0": f"DP claim untested: {untested}",
                     "seed=1": "DP claim untested: no reason recorded"}  # fmt: skip


def test_a_refuted_dp_claim_edited_against_its_headline_copy_is_skipped(tmp_path):
    # epsilon_refuted flipped to false (its reason dropped, as dp_claim_problem asks) showed
    # the refuted ε as a guarantee, while headline['privacy/epsilon_refuted'] held true
    privacy = {"epsilon": 1.0, "epsilon_valid": True, "empirical_epsilon": 3.2,
               "epsilon_refuted": True, "epsilon_refuted_reason": "ε >= 3.2 measured"}
    for name, edit in (("kept", lambda p: None),
                       ("flipped", lambda p: (p["privacy"].update(epsilon_refuted=False),
                                              p["privacy"].pop("epsilon_refuted_reason"))),
                       ("deleted", lambda p: p["privacy"].pop("empirical_epsilon"))):
        run = tmp_path / name
        make_run(run, test_accuracy=0.8, signal=0.3, defense="dp", epsilon=1.0, seed=len(name))
        rewrite_results(run, lambda p, e=edit: (
            p["privacy"].update(privacy),
            p.update(headline={f"privacy/{k}": v for k, v in privacy.items()
                               if not k.endswith("reason")}), e(p)))  # fmt: skip
    loaded = load_runs([tmp_path])
    assert [r.name for r in loaded.runs] == ["kept"]
    reasons = dict(loaded.skipped)
    assert reasons[tmp_path / "flipped"] == (
        "privacy.epsilon_refuted is False, but headline['privacy/epsilon_refuted'], written "
        "from it, is True: a figure was changed after the run; rerun it")
    assert reasons[tmp_path / "deleted"].startswith(
        "privacy.empirical_epsilon is missing, but headline['privacy/empirical_epsilon'] holds")
