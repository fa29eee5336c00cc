"""``empirical_epsilon(confidence=1 - Fraction(1, 10**400))`` (a number below 1 that a float
rounds to 1) was refused as ``clopper_pearson_upper: alpha=0.0``, an argument the caller never
passed, with 800 digits of it (helper 288): ``confidence`` is named now."""

from __future__ import annotations

import re
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
