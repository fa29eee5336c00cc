"""A sweeper minimising ``privacy.epsilon`` is never handed an ε that is no DP claim."""

import math

from mia_defense.report import objectives

PAYLOAD = {
    "utility": {"test_accuracy": 0.9},
    "attacks": {"loss": {"auc": 0.6, "tpr@0.1%fpr": 0.001}},
    "privacy": {"epsilon": 1.0, "epsilon_refuted": False},
    # (mia-train's config: without one the ε is doubted, `epsilon_doubt`)
    "config": {"defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD"}}},
}


def test_a_refuted_dp_claim_gives_a_sweeper_no_epsilon():
    # the attacks measured ε >= 3.2 against a claimed 1.0: the claim does not hold, so a
    # search minimising ε must not rank this trial as ε = 1
    refuted = {**PAYLOAD, "privacy": {"epsilon": 1.0, "epsilon_refuted": True}}
    assert objectives(refuted, ["utility.test_accuracy", "privacy.epsilon"]) == [0.9, math.inf]
    # a claim that holds keeps its ε
    assert objectives(PAYLOAD, ["privacy.epsilon"]) == [1.0]


def test_a_run_without_a_dp_claim_gives_a_sweeper_infinite_epsilon():
    # no DP-SGD (no accountant ε) or no noise (ε written null): ε is infinite, not NaN
    # (a NaN fails the trial, and more than half failed stops a search)
    assert objectives({**PAYLOAD, "privacy": {}}, ["privacy.epsilon"]) == [math.inf]
    assert objectives({**PAYLOAD, "privacy": {"epsilon": None}}, ["privacy.epsilon"]) == [math.inf]


def test_a_gdp_epsilon_gives_a_sweeper_the_rdp_upper_bound():
    # GDP's central-limit ε can understate the mechanism's: a search minimising ε would
    # rank σs by the approximation; the RDP bound of the same run holds
    gdp = {**PAYLOAD, "privacy": {"epsilon": 8.0, "epsilon_rdp_bound": 8.9, "accountant": "gdp"}}
    assert objectives(gdp, ["privacy.epsilon"]) == [8.9]
    tighter = {**PAYLOAD, "privacy": {"epsilon": 8.0, "epsilon_rdp_bound": 7.5}}
    assert objectives(tighter, ["privacy.epsilon"]) == [8.0]
