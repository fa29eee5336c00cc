"""A DP run's ``privacy.per_model[k].accountant`` was not compared with the config's
``defense.dp.accountant`` by `epsilon_doubt` (helper 544): a results.json edited so that a
model of an rdp run names prv (an ε of another accountant) stood as a guarantee to a
search's objective and HParams' ε column (`epsilon_doubted`), which do not run mia-report's
refusals. It is doubted now, in words naming both accountants; a model's ``rdp`` (the upper
bound prv and gdp runs fall back to) and an older run's per_model without the field are
not."""

from __future__ import annotations

import math

from mia_defense.report.checks import epsilon_doubt
from mia_defense.report.checks.doubt import EDITED
from mia_defense.report.objectives import epsilon_doubted, objectives
from tests.report.fake_runs import dp_payload


def _run(tmp_path, accountant: str = "rdp"):
    payload = dp_payload(tmp_path / "run", 2.0, rate=0.125, steps=8, delta=1e-4,
                         dp={"accountant": accountant})  # fmt: skip
    payload["privacy"]["accountant"] = accountant
    return payload


def test_a_model_of_another_accountant_is_doubted_naming_both(tmp_path):
    payload = _run(tmp_path)
    assert epsilon_doubt(payload) is None
    payload["privacy"]["per_model"][1]["accountant"] = "prv"
    said = epsilon_doubt(payload)
    assert said is not None
    assert said.startswith("privacy.per_model[1].accountant is 'prv', but "
                           "config.defense.dp.accountant, which accounted the run's ε, is "
                           "'rdp'"), said  # fmt: skip
    assert said.endswith(EDITED)
    assert epsilon_doubted(payload)
    assert objectives(payload, ["privacy.epsilon"]) == [math.inf]


def test_a_gdp_model_under_rdp_is_named_as_the_mismatch(tmp_path):
    payload = _run(tmp_path)
    payload["privacy"]["per_model"][0]["accountant"] = "gdp"
    said = epsilon_doubt(payload)
    assert said is not None and "privacy.per_model[0].accountant is 'gdp'" in said, said


def test_the_rdp_bound_of_a_prv_run_and_older_runs_are_not_doubted(tmp_path):
    payload = _run(tmp_path, "prv")
    payload["privacy"]["per_model"][2]["accountant"] = "rdp"  # (past RDP ε 100: the bound)
    for model in payload["privacy"]["per_model"][:2]:
        model["accountant"] = "prv"
    assert epsilon_doubt(payload) is None
    older = _run(tmp_path / "older")
    for model in older["privacy"]["per_model"]:
        del model["accountant"]  # (written before per_model had the field)
    assert epsilon_doubt(older) is None
