"""A gdp run whose RDP upper bound is above 1000 was told the generic line (helper 534): a
search minimising ε gets infinity for it (`mia_defense.report.objectives.objectives`: the
bound stands in for the approximation, and is vacuous), and `_say_worst_cased` said 'its ε
is no guarantee: a measured bound refutes it ..., or it is above 1000', none of which holds
of the run's ε 8; the bound that made it so was unnamed. It is named now, with its value."""

from __future__ import annotations

import logging
import math

from mia_defense.cli.train import _say_worst_cased
from mia_defense.defenses.accounting import MAX_TARGET_EPSILON
from mia_defense.report.objectives import objectives

NAMES = ["privacy.epsilon"]
_CONFIG = {"defense": {"dp": {"_target_": "mia_defense.defenses.DPSGD", "accountant": "gdp"}}}


def _said(caplog, payload: dict) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mia_defense.cli.train"):
        _say_worst_cased(payload, NAMES, objectives(payload, NAMES))
    return [r.getMessage() for r in caplog.records if "privacy.epsilon" in r.getMessage()]


def test_a_vacuous_rdp_bound_standing_in_is_named(caplog):
    bound = 2.5 * MAX_TARGET_EPSILON
    payload = {"privacy": {"epsilon": 8.0, "epsilon_rdp_bound": bound, "accountant": "gdp"},
               "config": _CONFIG}  # fmt: skip
    assert objectives(payload, NAMES) == [math.inf]
    (said,) = _said(caplog, payload)
    assert f"(privacy.epsilon_rdp_bound) is {bound:g}, above {MAX_TARGET_EPSILON:g}" in said
    assert "a measured bound refutes it" not in said


def test_a_refuted_epsilon_keeps_the_generic_line(caplog):
    payload = {"privacy": {"epsilon": 8.0, "epsilon_rdp_bound": 8.5, "accountant": "gdp",
                           "epsilon_refuted": True}, "config": _CONFIG}  # fmt: skip
    (said,) = _said(caplog, payload)
    assert "a measured bound refutes it (privacy.epsilon_refuted)" in said
