"""A search minimising ε got ``privacy.epsilon_rdp_bound`` whatever the accountant (helper
534): only the gdp accountant writes that bound (an approximation's RDP upper bound), yet
`mia_defense.report.objectives.objectives` took it wherever it exceeded ε, so a results.json
edited to accountant rdp, ε 2.0, bound 9.0 handed a sweeper 9.0 for the run's 2.0. The bound
stands in under gdp alone (`rdp_bound_stand_in`)."""

from __future__ import annotations

import math

from mia_defense.report.objectives import objectives

_CONFIG = {"defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD"}}}


def _payload(accountant: str) -> dict:
    return {"privacy": {"epsilon": 2.0, "epsilon_rdp_bound": 9.0, "accountant": accountant,
                        "epsilon_valid": True},
            "utility": {"test_accuracy": 0.9}, "config": _CONFIG}  # fmt: skip


def test_the_bound_beside_another_accountant_is_no_stand_in():
    for accountant in ("rdp", "prv"):
        assert objectives(_payload(accountant), ["privacy.epsilon"]) == [2.0]


def test_the_bound_of_a_gdp_run_still_stands_in():
    assert objectives(_payload("gdp"), ["privacy.epsilon"]) == [9.0]


def test_a_gdp_config_beside_another_accountants_bound_is_doubted():
    # (results.json says rdp, its config gdp: the bound stands in for nothing, so the gdp
    # approximation is not excused, as mia-report's caveat says)
    payload = _payload("rdp")
    payload["config"] = {"defense": {"dp": {**_CONFIG["defense"]["dp"], "accountant": "gdp"}}}
    assert objectives(payload, ["privacy.epsilon"]) == [math.inf]
