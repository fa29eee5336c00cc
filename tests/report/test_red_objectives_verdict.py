"""A sweeper is handed no ε the report calls no guarantee, and no leakage of a run at
chance, whatever its flag says."""

import math

from mia_defense.report import objectives

PAYLOAD = {
    "utility": {"test_accuracy": 0.9, "chance_accuracy": 0.5},
    "utility_below_chance": False,
    "attacks": {"loss": {"auc": 0.6, "tpr@0.1%fpr": 0.001}},
    "privacy": {"epsilon": 1.0},
    # (mia-train's config: without one the ε is doubted, `epsilon_doubt`)
    "config": {"defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD"}}},
}


def test_an_epsilon_that_is_no_guarantee_gives_a_sweeper_infinite_epsilon():
    # shuffled batches (allow_unaccounted_sampling): the accountant's ε is for Poisson
    # sampling; the report's epsilon_valid column says "no", the sweeper got ε = 1
    invalid = {**PAYLOAD, "privacy": {"epsilon": 1.0, "epsilon_valid": False}}
    assert objectives(invalid, ["privacy.epsilon"]) == [math.inf]
    valid = {**PAYLOAD, "privacy": {"epsilon": 1.0, "epsilon_valid": True}}
    assert objectives(valid, ["privacy.epsilon"]) == [1.0]


def test_a_run_at_chance_gives_a_sweeper_the_worst_leakage_whatever_its_flag():
    # the report does not rank it (rank_problem reads the accuracy, not the flag)
    at_chance = {**PAYLOAD, "utility": {"test_accuracy": 0.5, "chance_accuracy": 0.5}}
    assert objectives(at_chance, ["max_attack.tpr@0.1%fpr", "max_attack.auc"]) == [1.0, 1.0]
    assert objectives(PAYLOAD, ["max_attack.tpr@0.1%fpr"]) == [0.001]


def test_a_gdp_run_gives_a_sweeper_its_rdp_bound_unless_another_reason_voids_it():
    from mia_defense.defenses.accounting import _gdp_reason

    # as accounting writes a GDP run: epsilon_valid false for the approximation alone
    gdp = {"epsilon": 8.0, "epsilon_rdp_bound": 8.9, "accountant": "gdp",
           "epsilon_valid": False, "epsilon_invalid_reason": _gdp_reason(8.9)}  # fmt: skip
    assert objectives({**PAYLOAD, "privacy": gdp}, ["privacy.epsilon"]) == [8.9]
    shuffled = {**gdp, "epsilon_invalid_reason": "shuffled batches; " + _gdp_reason(8.9)}
    assert objectives({**PAYLOAD, "privacy": shuffled}, ["privacy.epsilon"]) == [math.inf]
    no_bound = {**gdp, "epsilon_rdp_bound": None}
    assert objectives({**PAYLOAD, "privacy": no_bound}, ["privacy.epsilon"]) == [math.inf]
