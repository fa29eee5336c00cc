"""A gdp run's objective became its RDP bound without a word (helper 527): a results.json
with accountant gdp, ε 8.0 and ``privacy.epsilon_rdp_bound`` 8.9 gives a search minimising
ε 8.9 (`mia_defense.report.objectives.objectives`: the approximation gives way to the bound),
where `_say_worst_cased` named every other stand-in ('objectives: a sweeper gets inf for
privacy.epsilon, not this run's ...'). It names this one too, in the same words, saying the
sweeper gets the RDP bound, not the run's ε, and why; a bound below the ε (no stand-in) is
not named."""

from __future__ import annotations

import logging

from mia_defense.cli.train import _say_worst_cased
from mia_defense.defenses.accounting import _gdp_reason
from mia_defense.report.objectives import objective, objectives

NAMES = ["privacy.epsilon", "utility.test_accuracy"]
_CONFIG = {"defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD", "accountant": "gdp"}}}


def _gdp(epsilon: float, bound: float, **privacy) -> dict:
    return {"privacy": {"epsilon": epsilon, "epsilon_rdp_bound": bound, "accountant": "gdp",
                        **privacy},
            "utility": {"test_accuracy": 0.9}, "config": _CONFIG}  # fmt: skip


def _said(caplog, payload: dict) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        _say_worst_cased(payload, NAMES, objectives(payload, NAMES))
    return [r.getMessage() for r in caplog.records if "privacy.epsilon" in r.getMessage()]


def test_a_gdp_run_whose_search_gets_its_rdp_bound_is_said(caplog):
    written = _gdp(8.0, 8.9, epsilon_valid=False, epsilon_invalid_reason=_gdp_reason(8.9))
    for payload in (_gdp(8.0, 8.9), written):  # (an older or edited file; mia-train's)
        assert objectives(payload, NAMES)[0] == 8.9 and objective(payload, NAMES[0]) == 8.0
        (said,) = _said(caplog, payload)
        assert said.startswith("objectives: a sweeper gets 8.9 for privacy.epsilon, not this "
                               "run's 8.0 (results.json keeps it): its accountant, gdp, is a "
                               "central-limit approximation")
        assert "RDP accountant's upper bound" in said and "privacy.epsilon_rdp_bound" in said


def test_a_gdp_run_whose_bound_is_below_its_epsilon_is_not_said(caplog):
    payload = _gdp(8.0, 7.5)
    assert objectives(payload, NAMES)[0] == 8.0
    assert _said(caplog, payload) == []
