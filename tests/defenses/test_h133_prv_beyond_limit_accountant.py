"""privacy.per_model names the accountant whose figure each model's ε is.

Under ``defense.dp.accountant=prv`` (or ``gdp``) a run whose RDP ε passes 100 is given the
RDP accountant's figure (an upper bound: PRV's domain, time and memory grow with ε), but
per_model said ``accountant: prv``: Opacus' PRV accountant on the same (σ, q, steps, δ)
gave another ε (σ = 0.17, q = 0.125, 16 steps, δ = 2e-4: 151.5 recorded, 129.9 by PRV), so
the figure recomputed with no accountant. Now such a model names ``rdp``, with which its ε
recomputes to the last digit; below the limit it still names ``prv``.
"""

from __future__ import annotations

import pytest

from mia_defense.defenses.accounting import epsilon_spent, privacy_report

DELTA = 2e-4


def _stats(sigma: float, accountant: str) -> dict[str, float]:
    history = ((sigma, 0.125, 16),)
    return {"epsilon": epsilon_spent(accountant, history, DELTA), "noise_multiplier": sigma,
            "sample_rate": 0.125, "steps": 16.0, "delta": DELTA}


def _opacus_epsilon(model: dict) -> float:
    from opacus.accountants import create_accountant

    fresh = create_accountant(mechanism=model["accountant"])
    fresh.history = [(model["noise_multiplier"], model["sample_rate"], model["steps"])]
    return float(fresh.get_epsilon(model["delta"]))


@pytest.mark.parametrize(("sigma", "named"), [(0.17, "rdp"), (1.0, "prv")])
def test_per_model_names_the_accountant_that_recomputes_its_epsilon(sigma, named):
    report = privacy_report([_stats(sigma, "prv")], accountant="prv", noise_source="seeded",
                            preprocessing="none")
    (model,) = report["per_model"]
    assert model["accountant"] == named
    assert report["accountant"] == "prv"
    assert model["epsilon"] == _opacus_epsilon(model)
