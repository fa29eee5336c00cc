"""An Optuna search minimising ``privacy.epsilon`` was handed a vacuous ε as a plain figure
(helper 518): an explicit-σ DP run that spent ε above `MAX_TARGET_EPSILON`
(mia-train defense=dp defense.dp.target_epsilon=null defense.dp.noise_multiplier=0.15
defense.dp.secure_mode=true: 1.8e3, epsilon_valid true; here the fake run of σ 0.05, 1.6e4)
returned it, ranked beside guaranteed trials, though mia-report says it guarantees nothing
(`mia_defense.report.checks.vacuous_epsilon`). It is infinity now, as an ε that is invalid
or refuted (no guarantee: the worst ε there is); results.json keeps the figure."""

from __future__ import annotations

import math

import pytest

from mia_defense.defenses.accounting import MAX_TARGET_EPSILON
from mia_defense.report.objectives import objective, objectives
from tests.report.fake_runs import dp_payload

_PLAN = {"rate": 0.125, "steps": 80, "delta": 1e-4}


@pytest.mark.parametrize("maximized", [(), ("privacy.epsilon",)])
def test_a_vacuous_epsilon_is_no_figure_for_a_search(tmp_path, maximized):
    payload = dp_payload(tmp_path / "dp", 0.05, **_PLAN)
    measured = objective(payload, "privacy.epsilon")
    assert MAX_TARGET_EPSILON < measured < math.inf
    assert payload["privacy"]["epsilon_valid"] is True
    names = ["privacy.epsilon", "utility.test_accuracy"]
    values = objectives(payload, names, maximized=maximized)
    assert values == [math.inf, objective(payload, "utility.test_accuracy")]
    refuted = dict(payload, privacy={**payload["privacy"], "epsilon": 5.0,
                                     "epsilon_refuted": True})  # fmt: skip
    assert objectives(refuted, ["privacy.epsilon"], maximized=maximized) == [math.inf]


def test_a_vacuous_rdp_bound_of_a_gdp_run_is_no_figure_either(tmp_path):
    """accountant=gdp: the search gets the RDP bound, a guarantee, where it is larger; past
    the limit that bound guarantees nothing either."""
    payload = dp_payload(tmp_path / "dp", 1.0, **_PLAN)
    bound = 2 * MAX_TARGET_EPSILON
    payload["privacy"].update(
        accountant="gdp", epsilon_valid=False, epsilon_rdp_bound=bound,
        epsilon_invalid_reason=(
            "defense.dp.accountant=gdp: a central-limit approximation that can underestimate "
            f"the privacy spent (Opacus warns so) (the RDP accountant bounds this run's ε by "
            f"{bound:.3g}); use defense.dp.accountant=rdp or prv for a guarantee"))
    assert objectives(payload, ["privacy.epsilon"]) == [math.inf]
    payload["privacy"]["epsilon_rdp_bound"] = 9.0  # (within the limit: the bound, as before)
    assert objectives(payload, ["privacy.epsilon"]) == [9.0]


def test_an_epsilon_within_the_limit_is_the_figure(tmp_path):
    payload = dp_payload(tmp_path / "dp", 1.0, **_PLAN)
    measured = objective(payload, "privacy.epsilon")
    assert measured <= MAX_TARGET_EPSILON
    assert objectives(payload, ["privacy.epsilon"]) == [measured]
