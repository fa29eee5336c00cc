"""``empirical_epsilon(confidence=1 - Fraction(1, 10**400))`` (a number below 1 that a float
rounds to 1) was refused as ``clopper_pearson_upper: alpha=0.0``, an argument the caller never
passed, with 800 digits of it (helper 288): ``confidence`` is named now. The FPRs of
roc_metrics, bootstrap_intervals and slice_metrics refused Fraction(1, 100) as "must be a
number in (0, 1)": they take what `as_fraction` takes now."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from mia_defense.errors import ConfigError
from mia_defense.metrics import empirical_epsilon


@pytest.mark.parametrize(("confidence", "shown"), [
    (1 - Fraction(1, 10**400), "<a Fraction of about 401 digits>"),
    (Fraction(10**20 - 1, 10**20), "Fraction(99999999999999999999, 100000000000000000000)"),
])  # fmt: skip
def test_a_confidence_that_rounds_to_one_is_refused_by_its_name(confidence, shown):
    said = re.escape(f"empirical_epsilon: confidence={shown}: rounds to ")
    rest = r"1\.0 as a float \(the precision the bound is computed in\), where it must be below 1 "
    with pytest.raises(ConfigError, match="^" + said + rest + r".*e\.g\. 0\.95$"):
        empirical_epsilon(np.array([0.0, 0.01, 1.0]), np.array([0.0, 0.5, 1.0]),
                          num_members=100, num_nonmembers=100, delta=1e-5,
                          confidence=confidence)


def test_fprs_take_the_numbers_as_fraction_takes_and_name_fprs():
    # Fraction(1, 100) was refused as "must be a number in (0, 1)", where tpr_at_fpr reads
    # it as 0.01; one that a float rounds to 1 named tpr_at_fpr's target, not fprs
    from mia_defense.metrics import roc_metrics

    scores, truth = np.linspace(0, 1, 40), np.arange(40) % 2 == 0
    got = roc_metrics(scores, truth, fprs=[Fraction(1, 100)]).tpr_at_fpr
    assert got == roc_metrics(scores, truth, fprs=[0.01]).tpr_at_fpr
    with pytest.raises(ConfigError, match=re.escape(
            "roc_metrics: fprs holds <a Fraction of about 401 digits> (it rounds to 1.0 as a "
            "float): each FPR must be a number in (0, 1)")):  # fmt: skip
        roc_metrics(scores, truth, fprs=[1 - Fraction(1, 10**400)])


@pytest.mark.parametrize(("setting", "said"), [
    ({"confidence": Decimal("0.95")}, "confidence=Decimal('0.95'): must be a number in (0, 1) "
     "(a Decimal is no real number to Python's numbers.Real, which these checks read: pass "
     "float(value))"),
    ({"num_members": Decimal(100)}, "num_members=Decimal('100'): must be an integer >= 0 (a "
     "Decimal is no real number to Python's numbers.Real, which these checks read: pass "
     "int(value))"),
])  # fmt: skip
def test_a_decimal_is_told_why_it_is_no_number_here(setting, said):
    # was "confidence=Decimal('0.95'): must be a number in (0, 1)", of a number in (0, 1)
    with pytest.raises(ConfigError, match=re.escape(f"empirical_epsilon: {said}")):
        empirical_epsilon(np.array([0.0, 0.01, 1.0]), np.array([0.0, 0.5, 1.0]),
                          **{"num_members": 100, "num_nonmembers": 100, "delta": 1e-5,
                             **setting})
