"""Whether ``privacy.epsilon_rdp_bound`` stands in for the gdp accountant's ε was checked
three ways (helper 537): `rdp_bound_stand_in` took an int or float (NaN by ``NaN > ε`` being
false), `_gdp_alone` an int or float not NaN, `epsilon_doubted` any real number not NaN, so a
bound those tell apart (a ``Fraction``) was excused by one reader and refused by another.
All three now ask `gdp_rdp_bound`."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from mia_defense.report.objectives import (
    _gdp_alone,
    epsilon_doubted,
    gdp_rdp_bound,
    objectives,
    rdp_bound_stand_in,
)

_REASON = ("defense.dp.accountant=gdp: a central-limit approximation that can underestimate "
           "the privacy spent (Opacus warns so); use defense.dp.accountant=rdp or prv for a "
           "guarantee")  # fmt: skip
_DP = {"_target_": "mia_defense.defenses.DPSGD", "accountant": "gdp"}


def _payload(bound, accountant: str = "gdp") -> dict:
    privacy = {"epsilon": 2.0, "accountant": accountant, "epsilon_valid": False,
               "epsilon_invalid_reason": _REASON, "epsilon_rdp_bound": bound}  # fmt: skip
    return {"privacy": privacy, "config": {"defense": {"dp": dict(_DP, accountant=accountant)}},
            "utility": {"test_accuracy": 0.9}}  # fmt: skip


@pytest.mark.parametrize("bound", [9.0, 9, math.inf, Fraction(9), math.nan, True, "9", None])
def test_every_reader_takes_the_same_bounds(bound):
    payload = _payload(bound)
    privacy = payload["privacy"]
    usable = gdp_rdp_bound(privacy) is not None
    assert (rdp_bound_stand_in(privacy, -math.inf) is not None) is usable
    assert _gdp_alone(privacy) is usable
    # the gdp config's doubt (of an ε stated valid) is excused where the bound stands in,
    # and only there
    stated = {**payload, "privacy": {**privacy, "epsilon_valid": True}}
    del stated["privacy"]["epsilon_invalid_reason"]
    assert epsilon_doubted(stated) is not usable
    # (epsilon_valid false: without a bound the run holds no guarantee)
    assert objectives(payload, ["privacy.epsilon"]) == [float(bound) if usable else math.inf]


def test_the_bound_beside_another_accountant_is_none():
    assert gdp_rdp_bound(_payload(9.0, "rdp")["privacy"]) is None
    assert gdp_rdp_bound(_payload(9.0)["privacy"]) == 9.0
