"""A DP claim whose own fields contradict it (an ε lowered by hand below its models' own in
``privacy.per_model``, a refutation's reason beside ``epsilon_refuted: false``, an ε with
no noise) is no claim mia-defense wrote: mia-report skipped nothing and showed the edited ε
as a guarantee, and mia-attack carried it into its own record. Both now refuse it, naming
the key."""

import copy

import pytest

from mia_defense.attack_source_facts import _results_problem
from mia_defense.report import load_runs
from mia_defense.report.checks import dp_claim_problem
from tests.report.fake_runs import make_run, rewrite_results

# A privacy block as mia-train writes it (defense=dp, two models; each ε what the rdp accountant
# gives its σ, q, steps and δ, which the report recomputes).
CLAIM = {
    "epsilon": 8.051962349464755,
    "delta": 2e-4,
    "noise_multiplier": 0.68,
    "accountant": "rdp",
    "epsilon_valid": True,
    "noise_source": "seeded",
    "per_model": [
        {"epsilon": 8.051962349464755, "noise_multiplier": 0.68, "sample_rate": 0.125, "steps": 16,
         "delta": 1.9e-4, "accountant": "rdp"},
        {"epsilon": 8.015324282045077, "noise_multiplier": 0.68, "sample_rate": 0.125, "steps": 16,
         "delta": 2e-4, "accountant": "rdp"},
    ],
    "empirical_epsilon": 0.0,
    "epsilon_refuted": False,
}  # fmt: skip


def _edited(change):
    privacy = copy.deepcopy(CLAIM)
    change(privacy)
    return privacy


CONTRADICTIONS = [
    (lambda p: p.update(epsilon=0.5),
     "privacy.per_model[0].epsilon is 8.05196, above privacy.epsilon 0.5"),
    (lambda p: p["per_model"][1].update(epsilon=None), "privacy.per_model[1].epsilon is null"),
    (lambda p: p["per_model"][0].update(delta=0.3),
     "privacy.per_model[0].delta is 0.3, above privacy.delta"),
    (lambda p: p.update(delta=1.5), "privacy.delta is a number 1.5, not a number in (0, 1)"),
    (lambda p: p.update(delta="1e-5"),
     "privacy.delta is a string '1e-5', not a number in (0, 1)"),
    (lambda p: p.update(noise_multiplier=0.0),
     "privacy.noise_multiplier 0: DP-SGD without noise"),
    (lambda p: p["per_model"][1].update(noise_multiplier=0),
     "privacy.per_model[1] took 16 steps with noise_multiplier 0"),
    (lambda p: p.update(epsilon_invalid_reason="shuffled batches"),
     "privacy.epsilon_valid is not false, yet privacy.epsilon_invalid_reason"),
    (lambda p: p.update(epsilon_refuted_reason="measured ε >= 20"),
     "privacy.epsilon_refuted is not true, yet privacy.epsilon_refuted_reason"),
    (lambda p: p["per_model"].pop(), "privacy.per_model lists 1 models, num_models is 2"),
    (lambda p: p.update(per_model={"epsilon": 1}),
     "privacy.per_model is an object, not a list of objects"),
]  # fmt: skip


@pytest.mark.parametrize(("change", "message"), CONTRADICTIONS)
def test_a_dp_claim_its_own_fields_contradict_is_named(change, message):
    assert message in dp_claim_problem(_edited(change), num_models=2)


def test_dp_claims_mia_defense_writes_pass():
    assert dp_claim_problem(CLAIM, num_models=2) is None
    refuted = {**CLAIM, "epsilon_refuted": True, "epsilon_refuted_by": "attack lira",
               "epsilon_refuted_reason": "measured ε >= 9"}  # fmt: skip
    invalid = {**CLAIM, "accountant": "gdp", "epsilon_valid": False,
               "epsilon_invalid_reason": "defense.dp.accountant=gdp ..."}  # fmt: skip
    no_noise = {**CLAIM, "epsilon": None, "noise_multiplier": 0.0}  # ε null: no claim
    older = {"epsilon": 1.0}  # no per_model, no flags: not contradicted
    for privacy in (refuted, invalid, no_noise, older):
        assert dp_claim_problem(privacy, num_models=2) is None


def test_the_report_skips_a_run_whose_epsilon_was_lowered_by_hand(tmp_path):
    make_run(tmp_path / "sweep" / "good", test_accuracy=0.9, signal=2.0)
    forged = tmp_path / "sweep" / "forged"
    make_run(forged, test_accuracy=0.8, signal=0.3, defense="dp", seed=1)
    privacy = _edited(lambda p: p.update(epsilon=0.5))
    privacy["per_model"] += copy.deepcopy(privacy["per_model"])  # num_models 4
    rewrite_results(forged, lambda p: p.update(privacy=privacy))
    loaded = load_runs([tmp_path / "sweep"])
    assert [r.name for r in loaded.runs] == ["good"]
    reason = dict(loaded.skipped)[forged]
    assert reason.startswith("privacy.per_model[0].epsilon is 8.05196, above privacy.epsilon 0.5")
    assert reason.endswith("the file was edited; rerun the run")


def test_mia_attack_refuses_to_carry_a_contradicted_claim(tmp_path):
    payload = make_run(tmp_path / "run", test_accuracy=0.8, signal=0.3, defense="dp")
    payload["utility"].update(chance_accuracy=0.1, train_accuracy=0.9, generalization_gap=0.1)
    privacy = copy.deepcopy(CLAIM)
    privacy["per_model"] += copy.deepcopy(privacy["per_model"])  # num_models 4
    payload["privacy"] = privacy
    assert _results_problem(payload) is None
    privacy["epsilon_refuted_reason"] = "measured ε >= 20 exceeds the accountant's ε 8.05"
    problem = _results_problem(payload)
    assert problem.startswith("privacy.epsilon_refuted is not true, yet privacy.epsilon_refuted_")
    assert problem.endswith("a figure was changed after the run")


def test_an_epsilon_of_a_run_without_any_defense_is_refused(tmp_path):
    problem = dp_claim_problem({"epsilon": 1.0}, defenses={})
    assert problem == ("privacy.epsilon is 1, but the run trained without any defense "
                       "(config.defense is empty): no DP-SGD spent an ε")  # fmt: skip
    assert dp_claim_problem({"epsilon": 1.0}, defenses=None) is None  # a config that is silent
    run = tmp_path / "run"
    make_run(run, test_accuracy=0.9, signal=2.0)
    rewrite_results(run, lambda p: p.update(privacy={"epsilon": 0.5, "epsilon_valid": True}))
    loaded = load_runs([run])
    assert loaded.runs == [] and dict(loaded.skipped)[run].startswith(
        "privacy.epsilon is 0.5, but the run trained without any defense")
