"""A results.json whose ``privacy.accountant`` and ``config.defense.dp.accountant`` differ
(helper 537) comes only from an edit: mia-train writes both from the one setting. mia-report
refused it (`dp_claim_problem`), yet `epsilon_doubt` said only "accountant gdp: ..." (or
nothing, for prv beside rdp) and a search minimising ε was handed the file's bound or ε.
The doubt now names the edit, so the search gets infinity, as mia-report skips the file."""

from __future__ import annotations

import math

import pytest

from mia_defense.report.checks import dp_claim_problem
from mia_defense.report.checks.doubt import epsilon_doubt
from mia_defense.report.objectives import objectives


def _payload(recorded: str, configured: str) -> dict:
    privacy = {"epsilon": 2.0, "accountant": recorded, "epsilon_valid": True}
    if recorded == "gdp":
        privacy["epsilon_rdp_bound"] = 9.0  # (what gdp writes: its bound excuses it)
    dp = {"_target_": "mia_defense.defenses.DPSGD", "accountant": configured}
    return {"privacy": privacy, "config": {"defense": {"dp": dp}},
            "utility": {"test_accuracy": 0.9}}  # fmt: skip


@pytest.mark.parametrize(("recorded", "configured"),
                         [("rdp", "gdp"), ("gdp", "rdp"), ("prv", "rdp")])  # fmt: skip
def test_parted_accountants_are_named_as_an_edit(recorded, configured):
    payload = _payload(recorded, configured)
    doubt = epsilon_doubt(payload)
    assert doubt is not None
    assert f"privacy.accountant is {recorded!r}" in doubt
    assert "the file was edited; rerun the run" in doubt
    assert "accountant gdp: a central-limit" not in doubt  # (the edit, not the approximation)
    # mia-report refuses the file on the same words
    assert dp_claim_problem(payload["privacy"], defenses=payload["config"]["defense"]) in doubt
    assert objectives(payload, ["privacy.epsilon"]) == [math.inf]


def test_one_accountant_in_both_is_no_edit():
    assert objectives(_payload("gdp", "gdp"), ["privacy.epsilon"]) == [9.0]
    assert objectives(_payload("rdp", "rdp"), ["privacy.epsilon"]) == [2.0]
    assert epsilon_doubt(_payload("rdp", "rdp")) is None
